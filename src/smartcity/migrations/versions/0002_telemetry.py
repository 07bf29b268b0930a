"""telemetry: raw points (partitioned on PostgreSQL), key dictionary, latest, rollups, job runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _rollup(name: str) -> None:
    op.create_table(
        name,
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("sum", sa.Float(), nullable=False),
        sa.Column("min", sa.Float(), nullable=False),
        sa.Column("max", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "key_id", "bucket", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    op.create_table(
        "telemetry_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_telemetry_keys_name")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Weekly partitions are created by the writer ahead of the data (partitions.py).
        op.execute(
            "CREATE TABLE telemetry (device_id VARCHAR(64) NOT NULL, key_id INTEGER NOT NULL, "
            "ts BIGINT NOT NULL, value FLOAT, text_value TEXT, "
            "CONSTRAINT pk_telemetry PRIMARY KEY (device_id, key_id, ts)) PARTITION BY RANGE (ts)"
        )
    else:
        op.create_table(
            "telemetry",
            sa.Column("device_id", sa.String(length=64), nullable=False),
            sa.Column("key_id", sa.Integer(), nullable=False),
            sa.Column("ts", sa.BigInteger(), nullable=False),
            sa.Column("value", sa.Float(), nullable=True),
            sa.Column("text_value", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("device_id", "key_id", "ts", name=op.f("pk_telemetry")),
        )
    op.create_table(
        "telemetry_latest",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text_value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("device_id", "key_id", name=op.f("pk_telemetry_latest")),
    )
    _rollup("telemetry_1m")
    _rollup("telemetry_1h")
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_started", sa.BigInteger(), nullable=False),
        sa.Column("last_finished", sa.BigInteger(), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_duration_ms", sa.Float(), nullable=True),
        sa.Column(
            "last_result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    for name in (
        "job_runs",
        "telemetry_1h",
        "telemetry_1m",
        "telemetry_latest",
        "telemetry",
        "telemetry_keys",
    ):
        op.drop_table(name)
