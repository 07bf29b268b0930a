"""GTFS static export of the city's bus lines and stops (https://gtfs.org/schedule/reference/).

The city stores each line as an ordered path of road nodes, its stops (each at a node) and a
headway; it has no timetable. The export derives one: trips in both directions every headway
through the service day, stop times from the distance along the line at a scheduled commercial
speed (dwell included). Pure functions over plain dicts; the zip is written at the end.
"""

import csv
import io
import math
import zipfile
from datetime import date, timedelta

ROUTE_TYPE_BUS = 3
SERVICE_ID = "daily"
# Required columns of the reference (plus the conditionally required agency_id), in order.
COLUMNS = {
    "agency.txt": ["agency_id", "agency_name", "agency_url", "agency_timezone"],
    "stops.txt": ["stop_id", "stop_name", "stop_lat", "stop_lon"],
    "routes.txt": ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
    "trips.txt": ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id"],
    "stop_times.txt": ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
    "calendar.txt": ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                     "saturday", "sunday", "start_date", "end_date"],
}


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def stop_offsets(line: dict) -> list[tuple[str, float]]:
    """(stop id, metres from the first node) of a line's stops, in line order.

    line: {"nodes": [...], "coordinates": [[lon, lat], ...] (one per node), "stops": [ids],
    "stop_nodes": {stop id: node}}."""
    along, total = [0.0], 0.0
    coords = line["coordinates"]
    for a, b in zip(coords, coords[1:], strict=False):
        total += metres(tuple(a), tuple(b))
        along.append(total)
    index = {node: i for i, node in enumerate(line["nodes"])}
    return [(s, along[index[line["stop_nodes"][s]]]) for s in line["stops"]]


def hms(seconds: float) -> str:
    """GTFS time: HH:MM:SS, hours may pass 24 for trips after midnight."""
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def timetable(line: dict, speed_kmh: float, first_s: int, last_s: int) -> tuple[list, list]:
    """(trips rows, stop_times rows) of one line: both directions, a departure every headway
    from first_s to last_s (seconds after midnight)."""
    offsets = stop_offsets(line)
    length = offsets[-1][1]
    directions = [(0, offsets), (1, [(s, length - d) for s, d in reversed(offsets)])]
    headway = int(line["headway_min"]) * 60
    trips, times = [], []
    for direction, stops in directions:
        headsign = line["stop_names"][stops[-1][0]]
        for n, depart in enumerate(range(first_s, last_s + 1, headway)):
            trip_id = f"{line['id']}-{direction}-{n + 1:03d}"
            trips.append([line["id"], SERVICE_ID, trip_id, headsign, direction])
            for seq, (stop_id, d) in enumerate(stops, start=1):
                t = hms(depart + d / (speed_kmh / 3.6))
                times.append([trip_id, t, t, stop_id, seq])
    return trips, times


def feed(agency: dict, lines: list[dict], stops: list[dict], speed_kmh: float,
         first_s: int, last_s: int, today: date) -> dict[str, list[list]]:
    """{file name: rows (header first)} of the whole feed."""
    tables = {name: [list(cols)] for name, cols in COLUMNS.items()}
    tables["agency.txt"].append([agency["id"], agency["name"], agency["url"], agency["timezone"]])
    for s in stops:
        tables["stops.txt"].append([s["id"], s["name"], f"{s['lat']:.6f}", f"{s['lon']:.6f}"])
    for line in lines:
        tables["routes.txt"].append([line["id"], agency["id"], line["ref"], line["name"],
                                     ROUTE_TYPE_BUS])
        trips, times = timetable(line, speed_kmh, first_s, last_s)
        tables["trips.txt"] += trips
        tables["stop_times.txt"] += times
    end = today + timedelta(days=365)
    tables["calendar.txt"].append([SERVICE_ID, 1, 1, 1, 1, 1, 1, 1, today.strftime("%Y%m%d"),
                                   end.strftime("%Y%m%d")])
    return tables


def to_zip(tables: dict[str, list[list]]) -> bytes:
    """The feed as a zip of UTF-8 CSV files, CRLF-free as most consumers prefer."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(rows)
            archive.writestr(name, text.getvalue())
    return out.getvalue()
