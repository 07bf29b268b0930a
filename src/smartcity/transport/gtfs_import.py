"""GTFS static import (https://gtfs.org/schedule/reference/): a feed zip read into typed rows,
checked file by file and row by row, every problem named by file, line and field.

Read: agency, stops, routes, trips, stop_times, calendar (calendar_dates.txt, shapes.txt and
the rest are reported as ignored). Stops of location_type 0 (or empty) are kept; stations,
entrances and nodes are skipped. Stop times without times (non-timepoints) get times
interpolated by sequence between the timed stops around them; first and last must be timed.
"""

import csv
import io
import re
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smartcity.transport.gtfs import COLUMNS

READ = tuple(COLUMNS)
MAX_UNZIPPED = 256 * 1024 * 1024  # a zip bomb stops here, not in memory
MAX_PROBLEMS = 20
TIME = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
DAYS = COLUMNS["calendar.txt"][1:8]
# Basic route types and the extended (Google) ones the reference lists.
ROUTE_TYPES = set(range(0, 8)) | {11, 12} | set(range(100, 1800))
STOP_TYPES = ("", "0")


class FeedError(Exception):
    """The feed is not importable; `problems` are [{file, line, field, problem}], first first."""

    def __init__(self, problems: list[dict]):
        first = problems[0]
        where = first["file"] + (f" line {first['line']}" if first.get("line") else "")
        field = f", {first['field']}" if first.get("field") else ""
        super().__init__(f"{where}{field}: {first['problem']}")
        self.problems = problems


class Problems:
    """Collects problems up to MAX_PROBLEMS, then stops the import."""

    def __init__(self):
        self.items: list[dict] = []

    def add(self, file: str, line: int | None, field: str | None, problem: str) -> None:
        self.items.append({"file": file, "line": line, "field": field, "problem": problem})
        if len(self.items) >= MAX_PROBLEMS:
            raise FeedError(self.items)

    def check(self) -> None:
        if self.items:
            raise FeedError(self.items)


def seconds(text: str) -> int:
    """HH:MM:SS (H:MM:SS too; hours may pass 24) -> seconds after the service day's start."""
    match = TIME.match(text)
    if not match:
        raise ValueError("must be HH:MM:SS")
    h, m, s = map(int, match.groups())
    return h * 3600 + m * 60 + s


def day(text: str) -> str:
    try:
        datetime.strptime(text, "%Y%m%d")
    except ValueError:
        raise ValueError("must be a date YYYYMMDD") from None
    return text


def read_files(body: bytes) -> tuple[dict[str, list[tuple[int, dict]]], list[str]]:
    """({file: [(line number, row)]}, ignored file names) of the zip; rows with stripped values."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile:
        raise FeedError([{"file": "file", "line": None, "field": None,
                          "problem": "not a zip archive"}]) from None
    with archive:
        members = {i.filename.rsplit("/", 1)[-1]: i for i in archive.infolist() if not i.is_dir()}
        if sum(i.file_size for i in members.values()) > MAX_UNZIPPED:
            raise FeedError([{"file": "file", "line": None, "field": None,
                              "problem": f"unzips to more than {MAX_UNZIPPED // 2**20} MiB"}])
        problems = Problems()
        tables = {}
        for name in READ:
            if name not in members:
                hint = " (calendar_dates.txt alone is not supported)" if (
                    name == "calendar.txt" and "calendar_dates.txt" in members) else ""
                problems.add(name, None, None, f"required file missing{hint}")
                continue
            try:
                text = archive.read(members[name]).decode("utf-8-sig")
            except (UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
                problems.add(name, None, None, f"unreadable ({exc.__class__.__name__}), "
                                               "must be UTF-8 text")
                continue
            if "\x00" in text:
                problems.add(name, None, None, "must not contain NUL")
                continue
            reader = csv.reader(io.StringIO(text, newline=""))
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in required_columns(name) if c not in header]
            if missing:
                problems.add(name, 1, missing[0], "required column missing")
                continue
            rows = []
            for values in reader:
                if not any(v.strip() for v in values):
                    continue
                rows.append((reader.line_num, {h: (values[i].strip() if i < len(values) else "")
                                               for i, h in enumerate(header)}))
            tables[name] = rows
        problems.check()
        ignored = sorted(n for n in members if n not in READ)
    return tables, ignored


def required_columns(name: str) -> list[str]:
    """Columns a file must have as a header (conditionally required ones are checked per row)."""
    optional = {"agency_id", "stop_name", "stop_lat", "stop_lon", "route_short_name",
                "route_long_name", "trip_headsign", "direction_id", "arrival_time",
                "departure_time"}
    return [c for c in COLUMNS[name] if c not in optional]


def parse(body: bytes) -> dict:
    """The feed's typed rows: {"agencies", "stops", "routes", "calendars", "trips",
    "stop_times", "ignored", "skipped_stops"}; FeedError with every problem found (up to 20)."""
    tables, ignored = read_files(body)
    p = Problems()
    agencies = parse_agencies(tables["agency.txt"], p)
    stops, skipped = parse_stops(tables["stops.txt"], p)
    routes = parse_routes(tables["routes.txt"], agencies, p)
    calendars = parse_calendars(tables["calendar.txt"], p)
    trips = parse_trips(tables["trips.txt"], routes, calendars, p)
    stop_times = parse_stop_times(tables["stop_times.txt"], trips, stops, p)
    p.check()
    return {"agencies": list(agencies.values()), "stops": list(stops.values()),
            "routes": list(routes.values()), "calendars": list(calendars.values()),
            "trips": list(trips.values()), "stop_times": stop_times, "ignored": ignored,
            "skipped_stops": skipped}


def unique(p: Problems, file: str, line: int, field: str, value: str, seen: dict) -> bool:
    if not value:
        p.add(file, line, field, "required")
        return False
    if value in seen:
        p.add(file, line, field, f"duplicate {value!r}")
        return False
    return True


def refers(p: Problems, file: str, line: int, field: str, value: str, known: dict,
           where: str) -> bool:
    """Whether value names a row of another file; a problem when not."""
    if value in known:
        return True
    p.add(file, line, field, f"no {field.removesuffix('_id')} {value!r} in {where}")
    return False


def parse_agencies(rows, p: Problems) -> dict:
    f, out = "agency.txt", {}
    zones = set()
    for line, r in rows:
        agency_id = r.get("agency_id", "")
        if agency_id in out or (not agency_id and len(rows) > 1):
            p.add(f, line, "agency_id", "required and unique when there are several agencies")
            continue
        for column in ("agency_name", "agency_url", "agency_timezone"):
            if not r[column]:
                p.add(f, line, column, "required")
        if r["agency_url"] and not re.match(r"^https?://\S+$", r["agency_url"]):
            p.add(f, line, "agency_url", "must be a full http(s) URL")
        try:
            ZoneInfo(r["agency_timezone"])
            zones.add(r["agency_timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            p.add(f, line, "agency_timezone", f"unknown time zone {r['agency_timezone']!r}")
        out[agency_id] = {"agency_id": agency_id, "agency_name": r["agency_name"],
                          "agency_url": r["agency_url"], "agency_timezone": r["agency_timezone"]}
    if not rows:
        p.add(f, None, None, "no agency")
    if len(zones) > 1:
        p.add(f, None, "agency_timezone", "every agency must have the same time zone")
    return out


def parse_stops(rows, p: Problems) -> tuple[dict, int]:
    f, out, skipped = "stops.txt", {}, 0
    for line, r in rows:
        if r.get("location_type", "") not in STOP_TYPES:
            skipped += 1
            continue
        if not unique(p, f, line, "stop_id", r["stop_id"], out):
            continue
        if not r.get("stop_name"):
            p.add(f, line, "stop_name", "required for a stop")
        coords = {}
        for column, bound in (("stop_lat", 90), ("stop_lon", 180)):
            try:
                coords[column] = float(r.get(column, ""))
                if not -bound <= coords[column] <= bound:
                    raise ValueError
            except ValueError:
                p.add(f, line, column, f"must be a number between -{bound} and {bound}")
        if len(coords) == 2:
            out[r["stop_id"]] = {"stop_id": r["stop_id"], "stop_name": r.get("stop_name", ""),
                                 **coords}
    return out, skipped


def parse_routes(rows, agencies: dict, p: Problems) -> dict:
    f, out = "routes.txt", {}
    for line, r in rows:
        if not unique(p, f, line, "route_id", r["route_id"], out):
            continue
        agency_id = r.get("agency_id", "")
        if not agency_id and len(agencies) == 1:
            agency_id = next(iter(agencies))
        if agency_id not in agencies:
            p.add(f, line, "agency_id", f"no agency {agency_id!r} in agency.txt")
        short, long = r.get("route_short_name", ""), r.get("route_long_name", "")
        if not short and not long:
            p.add(f, line, "route_short_name", "route_short_name or route_long_name required")
        try:
            route_type = int(r["route_type"])
            if route_type not in ROUTE_TYPES:
                raise ValueError
        except ValueError:
            p.add(f, line, "route_type", "must be a route type of the reference (3: bus)")
            continue
        out[r["route_id"]] = {"route_id": r["route_id"], "agency_id": agency_id,
                              "route_short_name": short, "route_long_name": long,
                              "route_type": route_type}
    return out


def parse_calendars(rows, p: Problems) -> dict:
    f, out = "calendar.txt", {}
    for line, r in rows:
        if not unique(p, f, line, "service_id", r["service_id"], out):
            continue
        bad = next((d for d in DAYS if r[d] not in ("0", "1")), None)
        if bad:
            p.add(f, line, bad, "must be 0 or 1")
            continue
        try:
            start = day(r["start_date"])
        except ValueError as exc:
            p.add(f, line, "start_date", str(exc))
            continue
        try:
            end = day(r["end_date"])
        except ValueError as exc:
            p.add(f, line, "end_date", str(exc))
            continue
        if end < start:
            p.add(f, line, "end_date", "must not be before start_date")
            continue
        out[r["service_id"]] = {"service_id": r["service_id"],
                                "days": "".join(r[d] for d in DAYS),
                                "start_date": start, "end_date": end}
    return out


def parse_trips(rows, routes: dict, calendars: dict, p: Problems) -> dict:
    f, out = "trips.txt", {}
    for line, r in rows:
        if not unique(p, f, line, "trip_id", r["trip_id"], out):
            continue
        if not (refers(p, f, line, "route_id", r["route_id"], routes, "routes.txt")
                and refers(p, f, line, "service_id", r["service_id"], calendars,
                           "calendar.txt")):
            continue
        direction = r.get("direction_id", "")
        if direction not in ("", "0", "1"):
            p.add(f, line, "direction_id", "must be 0, 1 or empty")
            continue
        out[r["trip_id"]] = {"trip_id": r["trip_id"], "route_id": r["route_id"],
                             "service_id": r["service_id"],
                             "trip_headsign": r.get("trip_headsign", ""),
                             "direction_id": int(direction) if direction else None}
    return out


def parse_stop_times(rows, trips: dict, stops: dict, p: Problems) -> list[dict]:
    f = "stop_times.txt"
    by_trip: dict[str, list] = {}
    for line, r in rows:
        if not (refers(p, f, line, "trip_id", r["trip_id"], trips, "trips.txt")
                and refers(p, f, line, "stop_id", r["stop_id"], stops, "stops.txt")):
            continue
        try:
            sequence = int(r["stop_sequence"])
            if not 0 <= sequence < 2**31:
                raise ValueError
        except ValueError:
            p.add(f, line, "stop_sequence", "must be a non-negative integer")
            continue
        times = {}
        for column in ("arrival_time", "departure_time"):
            if r.get(column):
                try:
                    times[column] = seconds(r[column])
                except ValueError as exc:
                    p.add(f, line, column, str(exc))
        arrival = times.get("arrival_time", times.get("departure_time"))
        departure = times.get("departure_time", arrival)
        if arrival is not None and departure < arrival:
            p.add(f, line, "departure_time", "must not be before arrival_time")
        missing = next((c for c in ("arrival_time", "departure_time") if c not in times), None)
        by_trip.setdefault(r["trip_id"], []).append(
            [line, sequence, r["stop_id"], arrival, departure, missing])
    out = []
    for trip_id in trips:
        rows_ = sorted(by_trip.get(trip_id, []), key=lambda x: x[1])
        if len(rows_) < 2:
            p.add("trips.txt", None, "trip_id", f"trip {trip_id!r} has fewer than two stop times")
            continue
        if not check_trip(rows_, p):
            continue
        out += [{"trip_id": trip_id, "stop_sequence": seq, "stop_id": stop, "arrival_s": arr,
                 "departure_s": dep} for _, seq, stop, arr, dep, _ in rows_]
    return out


def check_trip(rows: list[list], p: Problems) -> bool:
    """Sequences unique, first and last timed, times never going back; fills untimed stops by
    sequence position between the timed ones.
    Rows: [line, sequence, stop, arrival, departure, first time column missing or None]."""
    f = "stop_times.txt"
    for a, b in zip(rows, rows[1:], strict=False):
        if a[1] == b[1]:
            p.add(f, b[0], "stop_sequence", f"duplicate {b[1]} in trip")
            return False
    for end in (rows[0], rows[-1]):
        if end[5]:
            p.add(f, end[0], end[5], "required at a trip's first and last stop")
            return False
    last = None
    for i, row in enumerate(rows):
        if row[3] is None:
            continue
        if last is not None:
            j, prev = last
            if row[3] < rows[j][4]:
                p.add(f, row[0], "arrival_time", "goes back in time from the previous stop")
                return False
            for k in range(j + 1, i):  # untimed stops between two timed ones
                t = round(prev + (row[3] - prev) * (k - j) / (i - j))
                rows[k][3] = rows[k][4] = t
        last = (i, row[4])
    return True
