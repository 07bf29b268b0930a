"""custom dashboards and charts, and each user's home dashboard

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "custom_dashboards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("widgets", JSON, nullable=False),
        sa.Column("variables", JSON, nullable=False),
        sa.Column("time_range", sa.String(length=16), nullable=False),
        sa.Column("refresh_s", sa.Integer(), nullable=False),
        sa.Column("shared_roles", JSON, nullable=False),
        sa.Column("public_link", sa.String(length=43), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"],
                                name=op.f("fk_custom_dashboards_owner_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_dashboards")),
        sa.UniqueConstraint("public_link", name=op.f("uq_custom_dashboards_public_link")),
    )
    op.create_index(op.f("ix_custom_dashboards_owner_id"), "custom_dashboards", ["owner_id"])
    op.create_table(
        "home_dashboards",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("dashboard_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_home_dashboards_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dashboard_id"], ["custom_dashboards.id"],
                                name=op.f("fk_home_dashboards_dashboard_id_custom_dashboards"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_home_dashboards")),
    )


def downgrade() -> None:
    op.drop_table("home_dashboards")
    op.drop_index(op.f("ix_custom_dashboards_owner_id"), table_name="custom_dashboards")
    op.drop_table("custom_dashboards")
