"""A timetable in memory, from the feed's rows: trips with their stop times, the stops' places,
which services run on a day, and times as instants (GTFS times count from noon minus 12 h of
the service day in the agency's time zone, so they stay right across DST changes)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from smartcity.transport.gtfs_import import seconds


@dataclass
class Trip:
    trip_id: str
    route_id: str
    service_id: str
    direction_id: int | None
    headsign: str
    start: str = ""  # HH:MM:SS of the first departure, as the feed writes it
    stops: list[str] = field(default_factory=list)
    sequences: list[int] = field(default_factory=list)
    arrivals: list[int] = field(default_factory=list)  # seconds of the service day
    departures: list[int] = field(default_factory=list)


@dataclass
class Schedule:
    zone: ZoneInfo
    stops: dict[str, dict]  # {stop_id: {"name", "lat", "lon"}}
    routes: dict[str, dict]  # {route_id: {"short_name", "long_name"}}
    services: dict[str, tuple[str, str, str]]  # {service_id: (days Mon..Sun, start, end)}
    trips: dict[str, Trip]

    @classmethod
    def from_tables(cls, tables: dict[str, list[list]]) -> "Schedule":
        def rows(name):
            header, *body = tables[name]
            return [dict(zip(header, map(str, r), strict=False)) for r in body]

        zone = ZoneInfo(rows("agency.txt")[0]["agency_timezone"])
        stops = {r["stop_id"]: {"name": r["stop_name"], "lat": float(r["stop_lat"]),
                                "lon": float(r["stop_lon"])} for r in rows("stops.txt")}
        routes = {r["route_id"]: {"short_name": r["route_short_name"],
                                  "long_name": r["route_long_name"]} for r in rows("routes.txt")}
        services = {r["service_id"]: ("".join(r[d] for d in ("monday", "tuesday", "wednesday",
                                                              "thursday", "friday", "saturday",
                                                              "sunday")),
                                      r["start_date"], r["end_date"])
                    for r in rows("calendar.txt")}
        trips = {r["trip_id"]: Trip(r["trip_id"], r["route_id"], r["service_id"],
                                    int(r["direction_id"]) if r["direction_id"] else None,
                                    r["trip_headsign"]) for r in rows("trips.txt")}
        for r in sorted(rows("stop_times.txt"), key=lambda r: (r["trip_id"],
                                                                int(r["stop_sequence"]))):
            t = trips[r["trip_id"]]
            t.stops.append(r["stop_id"])
            t.sequences.append(int(r["stop_sequence"]))
            t.arrivals.append(seconds(r["arrival_time"]))
            t.departures.append(seconds(r["departure_time"]))
            if len(t.stops) == 1:
                t.start = r["departure_time"]
        return cls(zone, stops, routes, services, trips)

    def runs_on(self, service_id: str, day: date) -> bool:
        days, start, end = self.services[service_id]
        return start <= day.strftime("%Y%m%d") <= end and days[day.weekday()] == "1"

    def day_start_ms(self, day: date) -> int:
        """The instant a service day's times count from: noon minus 12 h, local."""
        noon = datetime.combine(day, time(12), self.zone)
        return int((noon - timedelta(hours=12)).timestamp() * 1000)

    def service_days(self, start_ms: int, end_ms: int) -> list[date]:
        """Service days whose trips may run in [start, end): from the day before (trips past
        midnight) to the last day."""
        first = datetime.fromtimestamp(start_ms / 1000, self.zone).date() - timedelta(days=1)
        last = datetime.fromtimestamp(end_ms / 1000, self.zone).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def patterns(self, route_id: str | None = None) -> dict[tuple[str, ...], list[Trip]]:
        """Trips grouped by their sequence of stops (a direction, a short turn, ...)."""
        out: dict[tuple[str, ...], list[Trip]] = {}
        for t in self.trips.values():
            if route_id is None or t.route_id == route_id:
                out.setdefault(tuple(t.stops), []).append(t)
        return out

    def coordinates(self, stops: tuple[str, ...]) -> list[tuple[float, float]]:
        return [(self.stops[s]["lon"], self.stops[s]["lat"]) for s in stops]
