"""forecast_runs: every issued forecast, scored when its hours have passed (#23)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "forecast_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.Column("horizon_h", sa.Integer(), nullable=False),
        sa.Column("history_days", sa.Integer(), nullable=False),
        sa.Column("backtest_days", sa.Integer(), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=True),
        sa.Column("points", JSON, nullable=False),
        sa.Column("backtest", JSON, nullable=False),
        sa.Column("actual", JSON, nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("scored_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "key", "issued", "horizon_h", "history_days",
                            "backtest_days", "method", name="uq_forecast_runs_issue"),
    )
    op.create_index("ix_forecast_runs_series", "forecast_runs", ["device_id", "key", "issued"])
    op.create_index("ix_forecast_runs_unscored", "forecast_runs", ["scored_at", "issued"])


def downgrade() -> None:
    op.drop_index("ix_forecast_runs_unscored", table_name="forecast_runs")
    op.drop_index("ix_forecast_runs_series", table_name="forecast_runs")
    op.drop_table("forecast_runs")
