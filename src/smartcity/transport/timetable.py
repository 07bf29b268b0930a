"""The timetable the city runs: an imported GTFS feed when there is one, else the one the
export derives from the bus lines' headways. Stored as the feed's tables; read back as the
same rows the export writes, so a feed re-imports identically."""

from datetime import date

from sqlalchemy import delete, insert, select

from smartcity.extensions import db
from smartcity.transport import gtfs, service
from smartcity.transport.models import Agency, Calendar, Route, Stop, StopTime, Trip

# Children first when deleting, parents first when inserting.
TABLES = [("agencies", Agency), ("stops", Stop), ("routes", Route), ("calendars", Calendar),
          ("trips", Trip), ("stop_times", StopTime)]


def store(feed: dict) -> dict:
    """Replace the stored feed with a parsed one in one transaction; the counts stored."""
    for _, model in reversed(TABLES):
        db.session.execute(delete(model))
    for name, model in TABLES:
        if feed[name]:
            db.session.execute(insert(model), feed[name])
    db.session.commit()
    return {name: len(feed[name]) for name, _ in TABLES}


def imported() -> bool:
    return db.session.scalar(select(Trip.trip_id).limit(1)) is not None


def stored_tables() -> dict[str, list[list]]:
    """The stored feed as the export's rows (header first), each file ordered by its id."""
    s = db.session
    tables = {name: [list(cols)] for name, cols in gtfs.COLUMNS.items()}
    tables["agency.txt"] += [[a.agency_id, a.agency_name, a.agency_url, a.agency_timezone]
                             for a in s.scalars(select(Agency).order_by(Agency.agency_id))]
    tables["stops.txt"] += [[x.stop_id, x.stop_name, f"{x.stop_lat:.6f}", f"{x.stop_lon:.6f}"]
                            for x in s.scalars(select(Stop).order_by(Stop.stop_id))]
    tables["routes.txt"] += [[r.route_id, r.agency_id, r.route_short_name, r.route_long_name,
                              r.route_type]
                             for r in s.scalars(select(Route).order_by(Route.route_id))]
    trips = list(s.scalars(select(Trip).order_by(Trip.route_id, Trip.trip_id)))
    tables["trips.txt"] += [[t.route_id, t.service_id, t.trip_id, t.trip_headsign,
                             "" if t.direction_id is None else t.direction_id] for t in trips]
    times: dict[str, list] = {}
    for st in s.scalars(select(StopTime).order_by(StopTime.trip_id, StopTime.stop_sequence)):
        times.setdefault(st.trip_id, []).append(
            [st.trip_id, gtfs.hms(st.arrival_s), gtfs.hms(st.departure_s), st.stop_id,
             st.stop_sequence])
    for t in trips:
        tables["stop_times.txt"] += times.get(t.trip_id, [])
    tables["calendar.txt"] += [[c.service_id, *c.days, c.start_date, c.end_date]
                               for c in s.scalars(select(Calendar).order_by(Calendar.service_id))]
    return tables


def tables(config, today: date) -> dict[str, list[list]]:
    """The feed in force: the imported one, else the derived one (409 without bus lines)."""
    return stored_tables() if imported() else service.gtfs_feed(config, today)
