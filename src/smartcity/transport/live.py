"""The timetable against the buses' tracks: adherence per line, headways at a stop, arrival
predictions at a stop and the TripUpdates they make. Queries here, algorithms in adherence."""

from datetime import UTC, datetime

from flask import current_app

from smartcity.devices.service import devices_of
from smartcity.errors import ApiError, not_found
from smartcity.extensions import db
from smartcity.telemetry import reads
from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms
from smartcity.transport import adherence, timetable
from smartcity.transport.schedule import Schedule

MIN = 60_000
RECENT_MS = 60 * MIN  # how far back live views look for a vehicle's run and segment speeds


def schedule() -> Schedule:
    today = datetime.fromtimestamp(now_ms() / 1000, UTC).date()
    return Schedule.from_tables(timetable.tables(current_app.config, today))


def settings() -> dict:
    c = current_app.config
    return {"early_s": float(c["TRANSPORT_ON_TIME_EARLY_S"]),
            "late_s": float(c["TRANSPORT_ON_TIME_LATE_S"]),
            "max_delay_s": float(c["TRANSPORT_MATCH_MAX_DELAY_S"])}


def tracks(route_ids: set[str], start: int, end: int) -> dict[str, list]:
    """{vehicle id: [(ts, lon, lat)]} of the vehicles serving these routes (metadata line)."""
    ids = [d.id for d in devices_of(("vehicle",)) if (d.meta or {}).get("line") in route_ids]
    with db.reader() as conn:
        lat = reads.samples_of(conn, ids, "lat", start, end)
        lon = reads.samples_of(conn, ids, "lon", start, end)
    out = {}
    for vid in ids:
        lons = dict(lon[vid])
        out[vid] = [(ts, lons[ts], la) for ts, la in lat[vid] if ts in lons]
    return out


def candidates(sched: Schedule, trips: list, start: int, end: int) -> list[tuple]:
    """(trip, service day, due instants) of the trips running around [start, end)."""
    out = []
    for day in sched.service_days(start, end):
        base = sched.day_start_ms(day)
        out += [((t, day), adherence.scheduled_instants(base, t)) for t in trips
                if sched.runs_on(t.service_id, day)]
    return out


def matched_runs(sched: Schedule, route_id: str, start: int, end: int):
    """Yield (vehicle, pattern, path, run, (trip, day) | None, due | None) for every run of
    the line's buses along each of its patterns in [start, end)."""
    limit = settings()["max_delay_s"]
    by_vehicle = tracks({route_id}, start, end)
    for pattern, trips in sched.patterns(route_id).items():
        path = adherence.Path(sched.coordinates(pattern))
        options = candidates(sched, trips, start, end)
        for vid, track in by_vehicle.items():
            for run in adherence.passings(path, track):
                best = adherence.match(run, options, limit)
                yield vid, pattern, path, run, *(best if best else (None, None))


def delays(route_id: str, start: int, end: int, sched: Schedule | None = None) -> dict:
    """Each matched run of a line's buses in [start, end) with the delay at every stop passed,
    and the line's mean delay and on-time share."""
    sched = sched or schedule()
    if route_id not in sched.routes:
        raise not_found(f"route {route_id}")
    s = settings()
    runs, all_delays = [], []
    for vid, _, _, run, match, due in matched_runs(sched, route_id, start, end):
        if match is None:
            continue
        trip, day = match
        stops = [{"stop_id": trip.stops[k], "stop_sequence": trip.sequences[k],
                  "scheduled": due[k], "actual": ts, "delay_s": (ts - due[k]) / 1000}
                 for k, ts in run]
        all_delays += [x["delay_s"] for x in stops]
        runs.append({"vehicle_id": vid, "trip_id": trip.trip_id,
                     "direction_id": trip.direction_id, "start_date": day.strftime("%Y%m%d"),
                     "stops": stops})
    runs.sort(key=lambda r: r["stops"][0]["actual"])
    on_time = [d for d in all_delays if -s["early_s"] <= d <= s["late_s"]]
    return {"route_id": route_id, "start": start, "end": end, "runs": runs,
            "passings": len(all_delays),
            "mean_delay_s": sum(all_delays) / len(all_delays) if all_delays else None,
            "on_time_pct": 100 * len(on_time) / len(all_delays) if all_delays else None,
            "on_time_window_s": [-s["early_s"], s["late_s"]]}


def line_summaries(start: int, end: int) -> dict:
    """Every line's trips run, stop passings, mean delay and on-time share in [start, end)."""
    sched = schedule()
    items = []
    for route_id in sorted(sched.routes):
        d = delays(route_id, start, end, sched)
        items.append({"route_id": route_id, **sched.routes[route_id],
                      "trips": len({(r["trip_id"], r["start_date"]) for r in d["runs"]}),
                      **{k: d[k] for k in ("passings", "mean_delay_s", "on_time_pct")}})
    return {"start": start, "end": end, "items": items,
            "on_time_window_s": [-settings()["early_s"], settings()["late_s"]]}


def headways(stop_id: str, route_id: str | None, direction: int | None, start: int,
             end: int) -> dict:
    """Due and observed passing instants at a stop in [start, end) and their regularity."""
    sched = schedule()
    if stop_id not in sched.stops:
        raise not_found(f"stop {stop_id}")
    if route_id is not None and route_id not in sched.routes:
        raise not_found(f"route {route_id}")
    routes = sorted({t.route_id for t in sched.trips.values() if stop_id in t.stops
                     and route_id in (None, t.route_id)})
    due, seen = set(), set()
    for r in routes:
        wanted = {p for p, trips in sched.patterns(r).items() if stop_id in p
                  and direction in (None, trips[0].direction_id)}
        for pattern in wanted:
            k = pattern.index(stop_id)
            for _, times in candidates(sched, sched.patterns(r)[pattern], start, end):
                if start <= times[k] < end:
                    due.add(times[k])
        for _, pattern, _, run, _, _ in matched_runs(sched, r, start, end):
            if pattern in wanted:
                seen.update(ts for k, ts in run if pattern[k] == stop_id and start <= ts < end)
    return {"stop_id": stop_id, "route_id": route_id, "direction_id": direction,
            "start": start, "end": end, "scheduled": sorted(due), "actual": sorted(seen),
            **adherence.regularity(sorted(due), sorted(seen))}


def current_runs(sched: Schedule, at: int):
    """Yield (vehicle, route, pattern, path, run, match, due, (ts, along)) for each bus now
    going forward along one of its line's patterns: its latest run over the last hour, and
    where it is now."""
    start = at - RECENT_MS
    limit = settings()["max_delay_s"]
    routes = set(sched.routes)
    by_vehicle = tracks(routes, start, at + 1)
    lines = {d.id: (d.meta or {}).get("line") for d in devices_of(("vehicle",))}
    for vid, track in by_vehicle.items():
        route_id = lines.get(vid)
        for pattern, trips in sched.patterns(route_id).items():
            path = adherence.Path(sched.coordinates(pattern))
            points = adherence.placed(path, track[-2:])
            if len(points) < 2 or points[-1][1] < points[-2][1] or track[-1][0] != points[-1][0]:
                continue  # not on this path now, or going the other way
            runs = adherence.passings(path, track)
            if not runs or runs[-1][-1][0] == len(pattern) - 1:
                continue  # no stop passed yet, or the trip is over
            best = adherence.match(runs[-1], candidates(sched, trips, start, at + 1), limit)
            yield vid, route_id, pattern, path, runs[-1], *(best or (None, None)), points[-1]


def segment_speeds(sched: Schedule, route_id: str, pattern, path, at: int) -> dict[int, float]:
    """Observed speeds per segment of a pattern over the last hour, every bus of the line."""
    runs = []
    for track in tracks({route_id}, at - RECENT_MS, at + 1).values():
        runs += adherence.passings(path, track)
    return adherence.segment_speeds(path, runs)


def predictions(at: int) -> list[dict]:
    """Each bus on a trip now: its trip, delay and predicted arrival at every stop ahead."""
    sched = schedule()
    out, speeds = [], {}
    for vid, route_id, pattern, path, run, match, due, (ts, along) in current_runs(sched, at):
        if match is None:
            continue
        trip, day = match
        if pattern not in speeds:
            speeds[pattern] = segment_speeds(sched, route_id, pattern, path, at)
        ahead = adherence.predict(path, along, ts, speeds[pattern],
                                  adherence.timetable_speeds(path, trip))
        stops = [{"stop_id": trip.stops[k], "stop_sequence": trip.sequences[k],
                  "arrival": eta, "scheduled": due[k], "delay_s": round((eta - due[k]) / 1000),
                  "observed_speed": k - 1 in speeds[pattern]} for k, eta in ahead]
        k, passed = run[-1]
        out.append({"vehicle_id": vid, "route_id": route_id, "trip_id": trip.trip_id,
                    "direction_id": trip.direction_id, "start_date": day.strftime("%Y%m%d"),
                    "start_time": trip.start, "timestamp": ts,
                    "delay_s": round((passed - due[k]) / 1000), "stops": stops})
    return out


def arrivals(stop_id: str, at: int) -> dict:
    """Predicted arrivals at a stop, soonest first."""
    sched = schedule()
    if stop_id not in sched.stops:
        raise not_found(f"stop {stop_id}")
    items = [{"vehicle_id": p["vehicle_id"], "route_id": p["route_id"],
              "trip_id": p["trip_id"], **s} for p in predictions(at) for s in p["stops"]
             if s["stop_id"] == stop_id]
    return {"stop_id": stop_id, "name": sched.stops[stop_id]["name"], "at": at,
            "arrivals": sorted(items, key=lambda x: x["arrival"])}


def delay_points(start: int, end: int) -> list[Point]:
    """A derived `delay` (s) of the bus at each stop it passed in [start, end) on a trip."""
    sched = schedule()
    points = []
    for route_id in sched.routes:
        for vid, _, _, run, match, due in matched_runs(sched, route_id, start, end):
            if match is not None:
                points += [Point(vid, "delay", ts, (ts - due[k]) / 1000, None) for k, ts in run
                           if start <= ts < end]
    return points


def write_delays(app) -> dict:
    """Job: store the delays of the last two hours' stop passings (stored ones are kept)."""
    end = now_ms()
    try:
        points = delay_points(end - 2 * RECENT_MS, end)
    except ApiError:  # no timetable: no lines to derive one from
        return {"delay": 0}
    db.release()  # the writer needs SQLite's write lock, which this session's reads hold
    stored, error = reads.submit_derived(points) if points else (0, None)
    if error:
        app.logger.warning("transport delays not stored: %s", error)
    return {"delay": stored}


def on_time(start: int, end: int) -> tuple[float | None, int]:
    """(share of stored stop delays in [start, end) inside the on-time window in %, count)."""
    s = settings()
    ids = [d.id for d in devices_of(("vehicle",))]
    with db.reader() as conn:
        series = reads.samples_of(conn, ids, "delay", start, end)
    values = [v for points in series.values() for _, v in points]
    if not values:
        return None, 0
    return 100 * sum(-s["early_s"] <= v <= s["late_s"] for v in values) / len(values), len(values)
