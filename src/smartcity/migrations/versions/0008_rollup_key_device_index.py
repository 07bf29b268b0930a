"""telemetry_1h on SQLite: (key, device, bucket) index, so a fleet aggregate finds cheaply which
devices have data for a key (PostgreSQL does not use it and would pay for it on every rollup
update)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            "ix_telemetry_1h_key_device", "telemetry_1h", ["key_id", "device_id", "bucket"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_telemetry_1h_key_device", table_name="telemetry_1h")
