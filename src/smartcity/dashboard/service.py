"""Queries behind the dashboard: fleet counts, ingest rate and per-day statistics.

Rollups are read through telemetry_latest: each (device, key) that reported is one probe of the
rollup's primary key (device_id, key_id, bucket), so no query scans a rollup table.
"""

from datetime import UTC, datetime

from sqlalchemy import and_, case, func, select

from smartcity.alerts import service as alarms
from smartcity.alerts.models import Alarm
from smartcity.dashboard import tiles
from smartcity.devices.models import Device
from smartcity.devices.service import online_clause
from smartcity.extensions import db
from smartcity.telemetry.models import telemetry_1h, telemetry_1m, telemetry_keys, telemetry_latest
from smartcity.telemetry.pipeline import pipeline_of
from smartcity.telemetry.points import decode_value
from smartcity.timeutil import now_ms

DAY_MS = 86_400_000
MINUTE_MS = 60_000
RATE_WINDOW_MS = 5 * MINUTE_MS
WEEK_DAYS = 7


def device_counts() -> dict:
    """Devices total, online, offline and disabled, overall and by domain."""
    online = case((online_clause(), 1), else_=0)
    disabled = case((Device.status == "disabled", 1), else_=0)
    rows = db.session.execute(select(Device.domain, func.count(), func.sum(online),
                                     func.sum(disabled)).group_by(Device.domain)).all()
    by_domain = {}
    for domain, total, up, off in rows:
        by_domain[domain] = {"total": total, "online": int(up or 0),
                             "offline": total - int(up or 0), "disabled": int(off or 0)}
    totals = {name: sum(d[name] for d in by_domain.values())
              for name in ("total", "online", "offline", "disabled")}
    return {**totals, "by_domain": dict(sorted(by_domain.items()))}


def ingest_rate(now: int) -> dict:
    """Readings stored per second over the last five minutes (by reading time, all processes)."""
    start = (now - RATE_WINDOW_MS) // MINUTE_MS * MINUTE_MS
    latest, rollup = telemetry_latest.c, telemetry_1m.c
    joined = telemetry_latest.join(telemetry_1m, and_(
        rollup.device_id == latest.device_id, rollup.key_id == latest.key_id,
        rollup.bucket >= start))
    points = db.session.scalar(select(func.coalesce(func.sum(rollup.count), 0))
                               .select_from(joined).where(latest.ts >= start))
    seconds = max((now - start) / 1000, 1.0)
    return {"rate_per_s": round(int(points) / seconds, 4), "points": int(points),
            "window_s": round(seconds)}


def latest_of_key(key: str) -> dict:
    """{device_id: {ts, value}} of one key across the fleet."""
    latest = telemetry_latest.c
    stmt = (select(latest.device_id, latest.ts, latest.value, latest.text_value)
            .join(telemetry_keys, telemetry_keys.c.id == latest.key_id)
            .where(telemetry_keys.c.name == key))
    return {row.device_id: {"ts": row.ts, "value": decode_value(row.value, row.text_value)}
            for row in db.session.execute(stmt)}


def overview(app) -> dict:
    """Everything the overview page shows, in one answer."""
    now = now_ms()
    pipeline = pipeline_of(app)
    return {"devices": device_counts(), "alarms": alarms.summary(),
            "ingest": {**ingest_rate(now), "queue_depth": pipeline.depth(),
                       "process_points_stored": pipeline.stats["points_stored"]},
            "tiles": [tiles.tile_data(t) for t in tiles.tiles(app)], "ts": now}


def _readings_per_day(start: int, end: int) -> dict:
    latest, rollup = telemetry_latest.c, telemetry_1h.c
    day = rollup.bucket - rollup.bucket % DAY_MS
    domain = func.coalesce(Device.domain, "other")
    stmt = (select(domain, day, func.sum(rollup.count))
            .select_from(telemetry_latest.join(telemetry_1h, and_(
                rollup.device_id == latest.device_id, rollup.key_id == latest.key_id,
                rollup.bucket >= start, rollup.bucket < end))
                .outerjoin(Device, Device.id == latest.device_id))
            .where(latest.ts >= start).group_by(domain, day))
    return _nest(db.session.execute(stmt))


def _alarms_per_day(start: int, end: int) -> dict:
    day = Alarm.first_seen - Alarm.first_seen % DAY_MS
    domain = func.coalesce(Alarm.domain, "system")
    since = datetime.fromtimestamp(start / 1000, UTC)
    stmt = (select(domain, day, func.count())
            .where(Alarm.created_at >= since, Alarm.first_seen >= start, Alarm.first_seen < end)
            .group_by(domain, day))
    return _nest(db.session.execute(stmt))


def _nest(rows) -> dict:
    result: dict[str, dict[int, int]] = {}
    for domain, day, count in rows:
        result.setdefault(domain, {})[int(day)] = int(count)
    return result


def weekly(app, now: int | None = None) -> dict:
    """Readings, alarms and incidents (and other registered counts) per UTC day and domain."""
    today = (now or now_ms()) // DAY_MS * DAY_MS
    starts = [today - (WEEK_DAYS - 1 - i) * DAY_MS for i in range(WEEK_DAYS)]
    start, end = starts[0], today + DAY_MS
    counters = {"readings": _readings_per_day, "alarms": _alarms_per_day,
                "incidents": lambda _s, _e: {}, **tiles.daily_counters(app)}
    series, totals = {}, {}
    for name, counter in counters.items():
        nested = counter(start, end)
        series[name] = {domain: [int(per_day.get(s, 0)) for s in starts]
                        for domain, per_day in sorted(nested.items())}
        totals[name] = [sum(values[i] for values in series[name].values())
                        for i in range(WEEK_DAYS)]
    domains = sorted({d for per_domain in series.values() for d in per_domain})
    return {"days": [datetime.fromtimestamp(s / 1000, UTC).date().isoformat() for s in starts],
            "day_starts": starts, "domains": domains, "series": series, "totals": totals}
