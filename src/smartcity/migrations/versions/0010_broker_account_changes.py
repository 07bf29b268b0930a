"""broker_account_changes: device accounts the broker must be brought in line with

Revision ID: 0010
Revises: 0012
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broker_account_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("secret", sa.Text),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(500)),
    )
    op.create_index("ix_broker_account_changes_device_id", "broker_account_changes",
                    ["device_id"])


def downgrade() -> None:
    op.drop_index("ix_broker_account_changes_device_id", table_name="broker_account_changes")
    op.drop_table("broker_account_changes")
