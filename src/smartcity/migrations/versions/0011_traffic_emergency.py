"""traffic incidents and signal plans; emergency incidents and public alerts

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "traffic_incidents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("segment_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("capacity_share", sa.Float(), nullable=False),
        sa.Column("description", sa.String(length=512), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("location", JSON, nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.Column("resolved_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_incidents")),
    )
    op.create_index(op.f("ix_traffic_incidents_segment_id"), "traffic_incidents",
                    ["segment_id"])
    op.create_index("ix_traffic_incidents_status", "traffic_incidents",
                    ["status", "created_ms"])
    op.create_table(
        "traffic_signal_plans",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("junction_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("command_id", sa.String(length=32), nullable=False),
        sa.Column("plan", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_signal_plans")),
    )
    op.create_index(op.f("ix_traffic_signal_plans_junction_id"), "traffic_signal_plans",
                    ["junction_id"])
    op.create_table(
        "emergency_incidents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("district_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=512), nullable=True),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("route", JSON, nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("reported_ms", sa.BigInteger(), nullable=False),
        sa.Column("dispatched_ms", sa.BigInteger(), nullable=True),
        sa.Column("en_route_ms", sa.BigInteger(), nullable=True),
        sa.Column("on_scene_ms", sa.BigInteger(), nullable=True),
        sa.Column("resolved_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_incidents")),
    )
    op.create_index("ix_emergency_incidents_status", "emergency_incidents",
                    ["status", "reported_ms"])
    op.create_index("ix_emergency_incidents_unit", "emergency_incidents", ["unit_id", "status"])
    op.create_table(
        "emergency_alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=128), nullable=False),
        sa.Column("headline", sa.String(length=160), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("instruction", sa.String(length=2000), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("certainty", sa.String(length=16), nullable=False),
        sa.Column("area", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("sent_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_alerts")),
    )
    op.create_index(op.f("ix_emergency_alerts_sent_ms"), "emergency_alerts", ["sent_ms"])


def downgrade() -> None:
    op.drop_index(op.f("ix_emergency_alerts_sent_ms"), table_name="emergency_alerts")
    op.drop_table("emergency_alerts")
    op.drop_index("ix_emergency_incidents_unit", table_name="emergency_incidents")
    op.drop_index("ix_emergency_incidents_status", table_name="emergency_incidents")
    op.drop_table("emergency_incidents")
    op.drop_index(op.f("ix_traffic_signal_plans_junction_id"), table_name="traffic_signal_plans")
    op.drop_table("traffic_signal_plans")
    op.drop_index("ix_traffic_incidents_status", table_name="traffic_incidents")
    op.drop_index(op.f("ix_traffic_incidents_segment_id"), table_name="traffic_incidents")
    op.drop_table("traffic_incidents")
