"""device control: groups, attributes (server, desired, reported), commands

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "device_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filter", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_device_groups_name")),
    )
    op.create_table(
        "device_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["device_groups.id"],
            ondelete="CASCADE",
            name=op.f("fk_device_group_members_group_id_device_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            ondelete="CASCADE",
            name=op.f("fk_device_group_members_device_id_devices"),
        ),
        sa.PrimaryKeyConstraint("group_id", "device_id", name=op.f("pk_device_group_members")),
    )
    op.create_index(
        op.f("ix_device_group_members_device_id"), "device_group_members", ["device_id"]
    )
    op.create_table(
        "device_attributes",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("server", JSON, nullable=False),
        sa.Column("desired", JSON, nullable=False),
        sa.Column("desired_version", sa.Integer(), nullable=False),
        sa.Column("desired_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported", JSON, nullable=False),
        sa.Column("reported_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            ondelete="CASCADE",
            name=op.f("fk_device_attributes_device_id_devices"),
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_attributes")),
    )
    op.create_table(
        "device_commands",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.Column("sent_ms", sa.BigInteger(), nullable=True),
        sa.Column("delivered_ms", sa.BigInteger(), nullable=True),
        sa.Column("completed_ms", sa.BigInteger(), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("error", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            ondelete="CASCADE",
            name=op.f("fk_device_commands_device_id_devices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_commands")),
    )
    op.create_index(
        "ix_device_commands_device_created", "device_commands", ["device_id", "created_ms"]
    )
    op.create_index(
        "ix_device_commands_status_expires", "device_commands", ["status", "expires_ms"]
    )


def downgrade() -> None:
    op.drop_table("device_commands")
    op.drop_table("device_attributes")
    op.drop_index(op.f("ix_device_group_members_device_id"), "device_group_members")
    op.drop_table("device_group_members")
    op.drop_table("device_groups")
