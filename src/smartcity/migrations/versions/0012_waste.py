"""waste: collections

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "waste_collections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bins", JSON, nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("duration_h", sa.Float(), nullable=True),
        sa.Column("collected_kg", sa.Float(), nullable=True),
        sa.Column("route", JSON, nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_collections")),
    )
    op.create_index(op.f("ix_waste_collections_vehicle_id"), "waste_collections",
                    ["vehicle_id"], unique=False)
    op.create_index(op.f("ix_waste_collections_scheduled_for"), "waste_collections",
                    ["scheduled_for"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_waste_collections_scheduled_for"), table_name="waste_collections")
    op.drop_index(op.f("ix_waste_collections_vehicle_id"), table_name="waste_collections")
    op.drop_table("waste_collections")
