"""water: isolations (valve commands closing or reopening a DMA)

Revision ID: 0020
Revises: 0022
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0022"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "water_isolations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dma_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("valves", JSON, nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_isolations")),
    )
    op.create_index(op.f("ix_water_isolations_dma_id"), "water_isolations", ["dma_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_water_isolations_dma_id"), table_name="water_isolations")
    op.drop_table("water_isolations")
