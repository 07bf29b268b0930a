"""Telemetry reads by key name, for domains: ids are telemetry's business.

Each function takes a read connection (db.reader()) and key names; names nobody ever stored
read as empty, so callers need no guard of their own.
"""

from flask import current_app

from smartcity.telemetry import queries
from smartcity.telemetry.keys import key_dictionary
from smartcity.telemetry.pipeline import get_pipeline
from smartcity.timeutil import now_ms

HOUR = 3_600_000


def key_ids(conn, names) -> dict[str, int]:
    """Ids of the names that exist, in the order given."""
    known = key_dictionary(current_app).known_ids(conn, list(names))
    return {n: known[n] for n in names if n in known}


def history(conn, device_id: str, keys: list[str] | None, start: int, end: int,
            limit: int | None = None, descending: bool = False) -> list:
    """Rows (name, ts, value, text_value) of a device in [start, end); keys None: every key."""
    ids = None if keys is None else key_ids(conn, keys)
    if ids == {}:
        return []
    return queries.history(conn, device_id, ids, start, end, limit, descending=descending).all()


def samples(conn, device_id: str, key: str, start: int, end: int) -> list[tuple[int, float]]:
    """(ts, value) of one numeric key in [start, end), oldest first."""
    return [(r.ts, r.value) for r in history(conn, device_id, [key], start, end)
            if r.value is not None]


def samples_of(conn, device_ids: list[str], key: str, start: int, end: int
               ) -> dict[str, list[tuple[int, float]]]:
    """samples() of many devices in one query: {device_id: [(ts, value)]}, each oldest first."""
    out: dict[str, list[tuple[int, float]]] = {d: [] for d in device_ids}
    ids = key_ids(conn, [key])
    if not ids or not device_ids:
        return out
    for row in queries.key_series(conn, device_ids, ids[key], start, end):
        if row.value is not None:
            out[row.device_id].append((row.ts, row.value))
    return out


def stored_times(conn, device_id: str, key: str, start: int, end: int) -> set[int]:
    """The timestamps a key has a value at in [start, end)."""
    return {r.ts for r in history(conn, device_id, [key], start, end)}


def latest(conn, device_id: str, keys: list[str] | None = None) -> dict:
    """{key: {ts, value}} of a device's newest values; keys None: every key."""
    ids = None if keys is None else key_ids(conn, keys)
    return {} if ids == {} else queries.latest(conn, device_id, ids)


def buckets(conn, device_ids: list[str], keys, start: int, end: int,
            interval_ms: int) -> dict[str, dict[int, queries.Bucket]]:
    """{key: {bucket start: Bucket}} over [start, end) from the rollups."""
    ids = key_ids(conn, keys)
    if not ids:
        return {}
    found = queries.aggregate(conn, device_ids, list(ids.values()), start, end, interval_ms)
    return {key: found.get(i, {}) for key, i in ids.items()}


def hourly_means(conn, device_id: str, keys, start: int, end: int) -> dict[str, dict[int, float]]:
    """{key: {hour start: mean}} of a device over [start, end) from the hourly rollups."""
    return {key: {b: bucket.value("avg") for b, bucket in hours.items()}
            for key, hours in buckets(conn, [device_id], keys, start, end, HOUR).items()}


def numeric_series(conn, since: int) -> list[tuple[str, str]]:
    """(device_id, key name) of every key with a numeric value stored at or after since."""
    return queries.numeric_series(conn, since)


def reporting_end(at: int | None = None) -> int:
    """End of the last complete clock hour at `at` (default now): what hourly reports cover."""
    return (now_ms() if at is None else at) // HOUR * HOUR


def submit_derived(points, timeout_s: float = 60, chunk: int = 5000) -> tuple[int, str | None]:
    """Store computed points through the pipeline and wait for each commit: (stored, error)."""
    stored = 0
    for i in range(0, len(points), chunk):
        job = get_pipeline().submit(points[i:i + chunk], block=True, derived=True)
        if not job.wait(timeout_s) or job.error is not None:
            return stored, str(job.error or "timeout")
        stored += job.inserted
    return stored, None
