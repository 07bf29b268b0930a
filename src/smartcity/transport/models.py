"""An imported GTFS static feed: one table per file of the reference, the columns the export
writes. One feed at a time: an import replaces the stored one whole."""

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base


class Agency(Base):
    __tablename__ = "transport_agencies"

    agency_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    agency_name: Mapped[str] = mapped_column(String(255))
    agency_url: Mapped[str] = mapped_column(String(1024))
    agency_timezone: Mapped[str] = mapped_column(String(64))


class Stop(Base):
    __tablename__ = "transport_stops"

    stop_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    stop_name: Mapped[str] = mapped_column(String(255))
    stop_lat: Mapped[float] = mapped_column(Float)
    stop_lon: Mapped[float] = mapped_column(Float)


class Route(Base):
    __tablename__ = "transport_routes"

    route_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("transport_agencies.agency_id"))
    route_short_name: Mapped[str] = mapped_column(String(255))
    route_long_name: Mapped[str] = mapped_column(String(1024))
    route_type: Mapped[int] = mapped_column(Integer)


class Calendar(Base):
    __tablename__ = "transport_calendars"

    service_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    days: Mapped[str] = mapped_column(String(7))  # "1111100": Monday first, as calendar.txt
    start_date: Mapped[str] = mapped_column(String(8))  # YYYYMMDD
    end_date: Mapped[str] = mapped_column(String(8))


class Trip(Base):
    __tablename__ = "transport_trips"

    trip_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    route_id: Mapped[str] = mapped_column(ForeignKey("transport_routes.route_id"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("transport_calendars.service_id"))
    trip_headsign: Mapped[str] = mapped_column(String(255), default="")
    direction_id: Mapped[int | None] = mapped_column(Integer)


class StopTime(Base):
    __tablename__ = "transport_stop_times"

    trip_id: Mapped[str] = mapped_column(ForeignKey("transport_trips.trip_id"),
                                         primary_key=True)
    stop_sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    stop_id: Mapped[str] = mapped_column(ForeignKey("transport_stops.stop_id"), index=True)
    arrival_s: Mapped[int] = mapped_column(Integer)  # seconds after the service day's noon - 12 h
    departure_s: Mapped[int] = mapped_column(Integer)
