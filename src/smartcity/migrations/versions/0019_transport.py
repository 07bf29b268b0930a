"""transport: an imported GTFS static feed

Revision ID: 0019
Revises: 0018b
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transport_agencies",
        sa.Column("agency_id", sa.String(length=255), nullable=False),
        sa.Column("agency_name", sa.String(length=255), nullable=False),
        sa.Column("agency_url", sa.String(length=1024), nullable=False),
        sa.Column("agency_timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_transport_agencies")),
    )
    op.create_table(
        "transport_stops",
        sa.Column("stop_id", sa.String(length=255), nullable=False),
        sa.Column("stop_name", sa.String(length=255), nullable=False),
        sa.Column("stop_lat", sa.Float(), nullable=False),
        sa.Column("stop_lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("stop_id", name=op.f("pk_transport_stops")),
    )
    op.create_table(
        "transport_calendars",
        sa.Column("service_id", sa.String(length=255), nullable=False),
        sa.Column("days", sa.String(length=7), nullable=False),
        sa.Column("start_date", sa.String(length=8), nullable=False),
        sa.Column("end_date", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_transport_calendars")),
    )
    op.create_table(
        "transport_routes",
        sa.Column("route_id", sa.String(length=255), nullable=False),
        sa.Column("agency_id", sa.String(length=255), nullable=False),
        sa.Column("route_short_name", sa.String(length=255), nullable=False),
        sa.Column("route_long_name", sa.String(length=1024), nullable=False),
        sa.Column("route_type", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["transport_agencies.agency_id"],
                                name=op.f("fk_transport_routes_agency_id_transport_agencies")),
        sa.PrimaryKeyConstraint("route_id", name=op.f("pk_transport_routes")),
    )
    op.create_table(
        "transport_trips",
        sa.Column("trip_id", sa.String(length=255), nullable=False),
        sa.Column("route_id", sa.String(length=255), nullable=False),
        sa.Column("service_id", sa.String(length=255), nullable=False),
        sa.Column("trip_headsign", sa.String(length=255), nullable=False),
        sa.Column("direction_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["route_id"], ["transport_routes.route_id"],
                                name=op.f("fk_transport_trips_route_id_transport_routes")),
        sa.ForeignKeyConstraint(["service_id"], ["transport_calendars.service_id"],
                                name=op.f("fk_transport_trips_service_id_transport_calendars")),
        sa.PrimaryKeyConstraint("trip_id", name=op.f("pk_transport_trips")),
    )
    op.create_index(op.f("ix_transport_trips_route_id"), "transport_trips", ["route_id"],
                    unique=False)
    op.create_table(
        "transport_stop_times",
        sa.Column("trip_id", sa.String(length=255), nullable=False),
        sa.Column("stop_sequence", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.String(length=255), nullable=False),
        sa.Column("arrival_s", sa.Integer(), nullable=False),
        sa.Column("departure_s", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["stop_id"], ["transport_stops.stop_id"],
                                name=op.f("fk_transport_stop_times_stop_id_transport_stops")),
        sa.ForeignKeyConstraint(["trip_id"], ["transport_trips.trip_id"],
                                name=op.f("fk_transport_stop_times_trip_id_transport_trips")),
        sa.PrimaryKeyConstraint("trip_id", "stop_sequence", name=op.f("pk_transport_stop_times")),
    )
    op.create_index(op.f("ix_transport_stop_times_stop_id"), "transport_stop_times",
                    ["stop_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_transport_stop_times_stop_id"), table_name="transport_stop_times")
    op.drop_table("transport_stop_times")
    op.drop_index(op.f("ix_transport_trips_route_id"), table_name="transport_trips")
    op.drop_table("transport_trips")
    op.drop_table("transport_routes")
    op.drop_table("transport_calendars")
    op.drop_table("transport_stops")
    op.drop_table("transport_agencies")
