"""Demand and vehicle use: boardings from the buses' passenger counters placed at stops, the
next day's boardings per line with the core forecasting, fuel or energy per 100 km and idle
time per vehicle. Pure parts first, then the queries."""

import math

import numpy as np

from smartcity.devices.service import devices_of, get_device
from smartcity.errors import not_found
from smartcity.extensions import db
from smartcity.forecast import best_forecast, fill_gaps
from smartcity.telemetry import reads
from smartcity.transport import service

HOUR = 3_600_000
STOP_RADIUS_M = 150.0  # a counter reading this close to a stop of its line counts there
IDLE_GAP_MS = 300_000  # a gap between readings longer than this counts only this long


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance between two (lon, lat) points: exact enough within a stop."""
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot(math.radians(b[0] - a[0]) * math.cos(lat),
                      math.radians(b[1] - a[1])) * 6_371_000


def nearest_stop(point: tuple[float, float], stops: dict[str, tuple[float, float]]
                 ) -> str | None:
    """The stop within STOP_RADIUS_M of (lon, lat), nearest first; None when none is."""
    best = min(stops, key=lambda s: metres(point, stops[s]), default=None)
    return best if best is not None and metres(point, stops[best]) <= STOP_RADIUS_M else None


def efficiency(odometer: list[tuple[int, float]], level: list[tuple[int, float]],
               speed: list[tuple[int, float]], state: dict[int, str]) -> dict:
    """Distance (odometer), fuel or battery used (the sum of the level's drops: refuelling and
    charging are rises, left out), % per 100 km, and idle time: readings at speed 0 while in
    service (at stops included), each counting until the next reading, at most 5 min."""
    km = odometer[-1][1] - odometer[0][1] if len(odometer) >= 2 else 0.0
    used = sum(max(0.0, a - b) for (_, a), (_, b) in zip(level, level[1:], strict=False))
    idle = moving = 0
    for (t1, v), (t2, _) in zip(speed, speed[1:], strict=False):
        if state.get(t1) not in service.IN_SERVICE:
            continue
        span = min(t2 - t1, IDLE_GAP_MS)
        if v == 0:
            idle += span
        else:
            moving += span
    return {"distance_km": round(km, 3), "used_pct": round(used, 3),
            "pct_per_100km": round(100 * used / km, 3) if km > 0 else None,
            "idle_s": idle / 1000, "moving_s": moving / 1000,
            "idle_share": round(idle / (idle + moving), 4) if idle + moving else None}


def line_stops() -> dict[str, dict[str, tuple[float, float]]]:
    """{line id: {stop id: (lon, lat)}} of the city's bus lines."""
    _city, lines, stops = service.network()
    where = {s["id"]: (s["lon"], s["lat"]) for s in stops}
    return {line["id"]: {s: where[s] for s in line["stops"] if s in where} for line in lines}


def buses() -> list:
    return [d for d in devices_of(("vehicle",)) if (d.meta or {}).get("line")]


def boardings(start: int, end: int, line: str | None = None, top: int = 10) -> dict:
    """Boardings in [start, end) per stop (busiest first), per line and per hour."""
    placing = line_stops()
    if line is not None and line not in placing:
        raise not_found(f"bus line {line}")
    fleet = [d for d in buses() if line in (None, d.meta["line"])]
    ids = [d.id for d in fleet]
    with db.reader() as conn:
        counts = reads.samples_of(conn, ids, "boardings", start, end)
        lat = reads.samples_of(conn, ids, "lat", start, end)
        lon = reads.samples_of(conn, ids, "lon", start, end)
    per_stop, per_line, per_hour, unplaced = {}, {}, {}, 0
    for d in fleet:
        where = {ts: (x, dict(lat[d.id]).get(ts)) for ts, x in lon[d.id]}
        for ts, n in counts[d.id]:
            if n <= 0:
                continue
            per_line[d.meta["line"]] = per_line.get(d.meta["line"], 0) + n
            per_hour[ts // HOUR * HOUR] = per_hour.get(ts // HOUR * HOUR, 0) + n
            point = where.get(ts)
            stop = None if point is None or point[1] is None else nearest_stop(
                point, placing.get(d.meta["line"], {}))
            if stop is None:
                unplaced += n
            else:
                per_stop[stop] = per_stop.get(stop, 0) + n
    names = {s["id"]: s["name"] for s in service.network()[2]}
    ranked = sorted(per_stop.items(), key=lambda kv: (-kv[1], kv[0]))
    return {"start": start, "end": end, "line": line, "total": sum(per_line.values()),
            "unplaced": unplaced,
            "stops": [{"stop_id": s, "name": names.get(s, s), "boardings": n}
                      for s, n in ranked[:top]],
            "lines": [{"line": k, "boardings": v} for k, v in sorted(per_line.items())],
            "hours": [{"hour": h, "boardings": v} for h, v in sorted(per_hour.items())]}


def forecast(end: int, history_days: int, level: float = 0.95) -> dict:
    """Each line's boardings for the 24 hours from `end` (an hour start) by the core's best
    method on a backtest of the last day, from its hourly sums over history_days."""
    hours = np.arange(end - history_days * 24 * HOUR, end, HOUR)
    items = []
    by_line: dict[str, list[str]] = {}
    for d in buses():
        by_line.setdefault(d.meta["line"], []).append(d.id)
    for line_id, ids in sorted(by_line.items()):
        with db.reader() as conn:
            found = reads.buckets(conn, ids, ["boardings"], int(hours[0]), end, HOUR)
        sums = found.get("boardings", {})
        y = np.array([sums[int(h)].value("sum") if int(h) in sums else np.nan for h in hours])
        entry = {"line": line_id}
        if np.isfinite(y).mean() < 0.5:
            items.append(entry | {"error": "fewer than half the history's hours have counts"})
            continue
        try:
            result = best_forecast(fill_gaps(y), m=24, horizon=24, test_points=24, level=level)
        except ValueError as exc:
            items.append(entry | {"error": str(exc)})
            continue
        f = result["forecast"]
        items.append(entry | {
            "method": result["method"], "total": round(float(np.maximum(f.mean, 0).sum()), 1),
            "points": [{"hour": end + i * HOUR, "boardings": round(max(0.0, float(f.mean[i])), 2),
                        "lower": round(max(0.0, float(f.lower[i])), 2),
                        "upper": round(float(f.upper[i]), 2)} for i in range(24)],
            "backtest": result["backtests"][result["method"]]})
    return {"issued": end, "history_days": history_days, "level": level, "items": items}


def vehicle_efficiency(device_id: str, start: int, end: int) -> dict:
    """A vehicle's distance, fuel or battery use per 100 km and idle time in [start, end)."""
    device = get_device(device_id, service.VEHICLE)
    with db.reader() as conn:
        odometer = reads.samples(conn, device_id, "odometer", start, end)
        fuel = reads.samples(conn, device_id, "fuel", start, end)
        battery = reads.samples(conn, device_id, "battery", start, end)
        speed = reads.samples(conn, device_id, "speed", start, end)
        state = {r.ts: r.text_value for r in reads.history(conn, device_id, ["state"],
                                                             start, end)}
    energy = "battery" if len(battery) > len(fuel) else "fuel"
    return {"vehicle_id": device_id, "kind": (device.meta or {}).get("kind"), "start": start,
            "end": end, "energy": energy,
            **efficiency(odometer, battery if energy == "battery" else fuel, speed, state)}
