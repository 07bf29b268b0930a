"""Peak hours per counter from hourly mean flows: a weekday and a weekend profile in the city's
local time (TRAFFIC_TIMEZONE), the mean flow per hour of day, and the hour where each peaks
(pure, plus the read of hourly rollups)."""

from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from smartcity.devices.models import Device
from smartcity.extensions import db
from smartcity.telemetry import queries
from smartcity.telemetry.keys import key_dictionary
from smartcity.timeutil import now_ms

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def profiles(hourly, timezone: str) -> dict:
    """{weekday: [24 means or None], weekend: [...], peaks: {weekday: {hour, flow}, ...}} from
    [(hour start ms, mean flow)]. Local hours: a rush hour is at 8:00 local, summer or not."""
    tz = ZoneInfo(timezone)
    sums: dict[str, list[list[float]]] = {"weekday": [[] for _ in range(24)],
                                          "weekend": [[] for _ in range(24)]}
    for ts, value in hourly:
        if value is None:
            continue
        local = datetime.fromtimestamp(ts / 1000, UTC).astimezone(tz)
        sums["weekend" if local.weekday() >= 5 else "weekday"][local.hour].append(value)
    out = {"timezone": timezone, "peaks": {}}
    for day, hours in sums.items():
        means = [round(sum(v) / len(v), 1) if v else None for v in hours]
        out[day] = means
        known = [(m, h) for h, m in enumerate(means) if m is not None]
        out["peaks"][day] = ({"hour": max(known)[1], "flow": max(known)[0]}
                             if known else None)
    return out


def peak_hours(days: int, device_id: str | None = None, end: int | None = None) -> list[dict]:
    end = (end or now_ms()) // HOUR_MS * HOUR_MS
    tz = current_app.config["TRAFFIC_TIMEZONE"]
    with db.reader() as conn:
        key = key_dictionary(current_app).known_ids(conn, ["intensity"]).get("intensity")
        stmt = select(Device.id, Device.name).where(Device.type == "traffic_counter")
        if device_id:
            stmt = stmt.where(Device.id == device_id)
        counters = conn.execute(stmt.order_by(Device.id)).all()
        series = defaultdict(list)
        if key is not None:
            for counter in counters:
                series[counter.id] = queries.aggregate_series(
                    conn, [counter.id], [key], end - days * DAY_MS, end, HOUR_MS, "avg")[key]
    return [{"device_id": c.id, "name": c.name, "hours": len(series[c.id]),
             **profiles(series[c.id], tz)} for c in counters]
