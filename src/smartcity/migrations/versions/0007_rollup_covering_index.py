"""telemetry_1h: covering index for fleet aggregates (one key, a time range, many devices)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_telemetry_1h_key_bucket",
        "telemetry_1h",
        ["key_id", "bucket", "device_id", "count", "sum", "min", "max"],
    )


def downgrade() -> None:
    op.drop_index("ix_telemetry_1h_key_bucket", table_name="telemetry_1h")
