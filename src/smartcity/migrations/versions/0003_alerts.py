"""alerts: rules, rule version counter, alarms (one open per originator and type), anomaly flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("alarm_type", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope_type", sa.String(length=16), nullable=False),
        sa.Column("scope_value", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column("operator", sa.String(length=2), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("clear_value", sa.Float(), nullable=True),
        sa.Column("for_duration_s", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("silent_s", sa.Integer(), nullable=True),
        sa.Column("half_life_s", sa.Float(), nullable=True),
        sa.Column("z_threshold", sa.Float(), nullable=True),
        sa.Column("warmup", sa.Integer(), nullable=True),
        sa.Column("notify", JSON, nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
        sa.UniqueConstraint("alarm_type", name=op.f("uq_alert_rules_alarm_type")),
        sa.UniqueConstraint("name", name=op.f("uq_alert_rules_name")),
    )
    op.create_table(
        "alert_rules_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules_version")),
    )
    op.create_table(
        "alarms",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("originator_type", sa.String(length=16), nullable=False),
        sa.Column("originator_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("peak_value", sa.Float(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.BigInteger(), nullable=False),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_by", sa.String(length=64), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["alert_rules.id"],
            name=op.f("fk_alarms_rule_id_alert_rules"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarms")),
    )
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.create_index("ix_alarms_active_severity", ["active", "severity"], unique=False)
        batch_op.create_index(batch_op.f("ix_alarms_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alarms_domain"), ["domain"], unique=False)
        batch_op.create_index(
            "ix_alarms_originator", ["originator_type", "originator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alarms_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alarms_status"), ["status"], unique=False)
        # One open alarm per originator and type: partial, so cleared history may repeat.
        batch_op.create_index(
            "uq_alarms_open",
            ["originator_type", "originator_id", "type"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )
    op.create_table(
        "anomaly_flags",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["alert_rules.id"],
            name=op.f("fk_anomaly_flags_rule_id_alert_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", "key", "ts", "rule_id", name=op.f("pk_anomaly_flags")),
    )
    with op.batch_alter_table("anomaly_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anomaly_flags_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_anomaly_flags_ts"), ["ts"], unique=False)


def downgrade() -> None:
    for name in ("anomaly_flags", "alarms", "alert_rules_version", "alert_rules"):
        op.drop_table(name)
