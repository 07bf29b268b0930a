"""All SQL that reads telemetry: history pages, latest values, aggregates from rollups."""

from dataclasses import dataclass

from sqlalchemy import String, and_, bindparam, select, text, tuple_

from smartcity.devices.models import Device
from smartcity.telemetry.models import (
    ROLLUPS,
    telemetry,
    telemetry_1h,
    telemetry_keys,
    telemetry_latest,
)
from smartcity.telemetry.points import decode_value

devices = Device.__table__

INTERVALS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "1d": 86_400_000}
AGGREGATES = ("avg", "min", "max", "sum", "count")


@dataclass
class Bucket:
    count: int = 0
    sum: float = 0.0
    min: float | None = None
    max: float | None = None

    def add(self, count, total, low, high) -> None:
        self.count += count
        self.sum += total
        self.min = low if self.min is None else min(self.min, low)
        self.max = high if self.max is None else max(self.max, high)

    def value(self, agg: str):
        if agg == "avg":
            return self.sum / self.count
        return {"sum": self.sum, "min": self.min, "max": self.max, "count": self.count}[agg]


def history(conn, device_id: str, key_ids: dict[str, int] | None, start: int, end: int,
            limit: int | None, after: tuple | None = None, descending: bool = False,
            filters=()):
    """Raw points of one device in [start, end) ordered by (ts, key), one page after `after`,
    narrowed by extra SQL conditions (`filters`)."""
    order = (telemetry.c.ts.desc(), telemetry.c.key_id.desc()) if descending else (
        telemetry.c.ts, telemetry.c.key_id)
    stmt = (select(telemetry_keys.c.name, telemetry.c.ts, telemetry.c.value,
                   telemetry.c.text_value, telemetry.c.key_id)
            .join(telemetry_keys, telemetry_keys.c.id == telemetry.c.key_id)
            .where(telemetry.c.device_id == device_id, telemetry.c.ts >= start,
                   telemetry.c.ts < end, *filters)
            .order_by(*order))
    if key_ids is not None:
        stmt = stmt.where(telemetry.c.key_id.in_(list(key_ids.values())))
    if after is not None:
        key = tuple_(telemetry.c.ts, telemetry.c.key_id)
        stmt = stmt.where(key < tuple_(*after) if descending else key > tuple_(*after))
    if limit is not None:
        stmt = stmt.limit(limit)
    return conn.execution_options(stream_results=True, yield_per=2000).execute(stmt)


def key_series(conn, device_ids: list[str], key_id: int, start: int, end: int):
    """Raw (device_id, ts, value) of one key of many devices in [start, end), by device and
    time: one round trip for a fleet instead of one per device."""
    stmt = (select(telemetry.c.device_id, telemetry.c.ts, telemetry.c.value)
            .where(telemetry.c.device_id.in_(device_ids), telemetry.c.key_id == key_id,
                   telemetry.c.ts >= start, telemetry.c.ts < end)
            .order_by(telemetry.c.device_id, telemetry.c.ts))
    return conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)


def history_item(row) -> dict:
    return {"key": row.name, "ts": row.ts, "value": decode_value(row.value, row.text_value)}


def latest(conn, device_id: str, key_ids: dict[str, int] | None) -> dict:
    return latest_or_none(conn, device_id, key_ids) or {}


def latest_or_none(conn, device_id: str, key_ids: dict[str, int] | None) -> dict | None:
    """Latest values of a device, or None when there is no such device: one round trip
    answers both (the latest endpoint's budget is a few milliseconds)."""
    joined = [telemetry_latest.c.device_id == devices.c.id]
    if key_ids is not None:
        joined.append(telemetry_latest.c.key_id.in_(list(key_ids.values())))
    stmt = (select(telemetry_keys.c.name, telemetry_latest.c.ts, telemetry_latest.c.value,
                   telemetry_latest.c.text_value)
            .select_from(devices.outerjoin(telemetry_latest, and_(*joined))
                         .outerjoin(telemetry_keys,
                                    telemetry_keys.c.id == telemetry_latest.c.key_id))
            .where(devices.c.id == device_id))
    rows = conn.execute(stmt).all()
    if not rows:
        return None
    return {r.name: {"ts": r.ts, "value": decode_value(r.value, r.text_value)}
            for r in rows if r.name is not None}


def latest_of_type(conn, device_type: str, names: list[str]):
    """Latest values of some keys for every device of a type: rows (device_id, asset_id, key,
    ts, value), one round trip for the whole fleet."""
    stmt = (select(devices.c.id, devices.c.asset_id, telemetry_keys.c.name, telemetry_latest.c.ts,
                   telemetry_latest.c.value)
            .select_from(devices.join(telemetry_latest,
                                      telemetry_latest.c.device_id == devices.c.id)
                         .join(telemetry_keys, telemetry_keys.c.id == telemetry_latest.c.key_id))
            .where(devices.c.type == device_type, telemetry_keys.c.name.in_(names)))
    return conn.execute(stmt).all()


def numeric_series(conn, since: int) -> list[tuple[str, str]]:
    """(device_id, key) of every key whose latest value is a number stored at or after since."""
    stmt = (select(telemetry_latest.c.device_id, telemetry_keys.c.name)
            .join(telemetry_keys, telemetry_keys.c.id == telemetry_latest.c.key_id)
            .where(telemetry_latest.c.ts >= since, telemetry_latest.c.value.is_not(None))
            .order_by(telemetry_latest.c.device_id, telemetry_keys.c.name))
    return [(r.device_id, r.name) for r in conn.execute(stmt)]


def latest_of_devices(conn, device_ids: list[str], key_ids: list[int]) -> dict[str, dict]:
    """{device_id: {key: {"ts", "value"}}} of some keys of some devices, in one round trip."""
    stmt = (select(telemetry_latest.c.device_id, telemetry_keys.c.name, telemetry_latest.c.ts,
                   telemetry_latest.c.value, telemetry_latest.c.text_value)
            .join(telemetry_keys, telemetry_keys.c.id == telemetry_latest.c.key_id)
            .where(telemetry_latest.c.device_id.in_(device_ids),
                   telemetry_latest.c.key_id.in_(key_ids)))
    found: dict[str, dict] = {d: {} for d in device_ids}
    for row in conn.execute(stmt):
        found[row.device_id][row.name] = {"ts": row.ts,
                                          "value": decode_value(row.value, row.text_value)}
    return found


def rollup_width(interval_ms: int) -> int:
    """The coarsest rollup whose buckets tile the interval."""
    return max(w for w in ROLLUPS if interval_ms % w == 0)


# Per aggregate: what a bucket needs from rollup rows and from raw rows, how two partial results
# of one bucket combine (edge rows meet rollup rows in the first and last bucket), and the
# answer. Reading only what the aggregate needs halves the work per rollup row. Counts are cast
# because PostgreSQL's SUM(bigint) is a numeric (Decimal).
_COUNT = "CAST(SUM(count) AS BIGINT)"
_PARTS = {
    "avg": (f"{_COUNT}, SUM(sum)", "COUNT(value), SUM(value)"),
    "sum": ("SUM(sum)", "SUM(value)"),
    "count": (_COUNT, "COUNT(value)"),
    "min": ("MIN(min)", "MIN(value)"),
    "max": ("MAX(max)", "MAX(value)"),
}
_ALL_PARTS = (f"{_COUNT}, SUM(sum), MIN(min), MAX(max)",
              "COUNT(value), SUM(value), MIN(value), MAX(value)")


def _combine_avg(a, b):
    return a[0] + b[0], a[1] + b[1]


_COMBINE = {"avg": _combine_avg, "sum": lambda a, b: (a[0] + b[0],),
            "count": lambda a, b: (a[0] + b[0],), "min": lambda a, b: (min(a[0], b[0]),),
            "max": lambda a, b: (max(a[0], b[0]),)}
_FINISH = {"avg": lambda p: p[1] / p[0], "sum": lambda p: p[0], "count": lambda p: p[0],
           "min": lambda p: p[0], "max": lambda p: p[0]}


def aggregate(conn, device_ids: list[str] | None, key_ids: list[int], start: int, end: int,
              interval_ms: int) -> dict[int, dict[int, Bucket]]:
    """Buckets per key over [start, end): rollup rows for whole rollup buckets, raw rows only
    for the partial edges. `device_ids` None means every device."""
    result: dict[int, dict[int, Bucket]] = {k: {} for k in key_ids}
    for key_id, bucket, n, s, mn, mx in _bucket_rows(conn, _ALL_PARTS, device_ids, key_ids,
                                                     start, end, interval_ms):
        result[key_id].setdefault(bucket, Bucket()).add(n, s, mn, mx)
    return result


def aggregate_series(conn, device_ids: list[str] | None, key_ids: list[int], start: int,
                     end: int, interval_ms: int, agg: str) -> dict[int, list[tuple[int, float]]]:
    """[(bucket start, value)] per key in time order, computing only what `agg` needs; the
    same answers as aggregate() without building a Bucket per bucket."""
    combine, finish = _COMBINE[agg], _FINISH[agg]
    parts: dict[int, dict[int, tuple]] = {k: {} for k in key_ids}
    for key_id, bucket, *values in _bucket_rows(conn, _PARTS[agg], device_ids, key_ids, start,
                                                end, interval_ms):
        buckets = parts[key_id]
        seen = buckets.get(bucket)
        buckets[bucket] = tuple(values) if seen is None else combine(seen, values)
    return {k: [(b, finish(buckets[b])) for b in sorted(buckets)] for k, buckets in parts.items()}


def _bucket_rows(conn, parts: tuple[str, str], device_ids, key_ids, start, end, interval_ms):
    """(key_id, bucket, *parts) per key and bucket: first from the rollup, then the partial
    edges from raw rows (so the edge buckets come twice)."""
    if not key_ids or device_ids == []:  # "IN ()" is an SQL syntax error on PostgreSQL
        return
    width = rollup_width(interval_ms)
    inner_start, inner_end = -(-start // width) * width, end // width * width
    if inner_start < inner_end:
        yield from _fold(conn, ROLLUPS[width].name, "bucket", parts[0], device_ids, key_ids,
                         inner_start, inner_end, interval_ms, aligned=interval_ms == width)
        edges = [(start, inner_start), (inner_end, end)]
    else:
        edges = [(start, end)]
    for lo, hi in edges:
        if lo < hi:
            yield from _fold(conn, "telemetry", "ts", parts[1], device_ids, key_ids, lo, hi,
                             interval_ms, raw=True)


# True when no device outside the fleet has 1h rollup rows of the key in [lo, hi): the devices
# having the key are visited in order, one seek each (ix_telemetry_1h_key_device), until one
# outside the fleet has a row in range.
_NOBODY_ELSE = """NOT EXISTS (
  WITH RECURSIVE d(id) AS (
    SELECT MIN(device_id) FROM telemetry_1h WHERE key_id = {key}
    UNION ALL
    SELECT (SELECT MIN(device_id) FROM telemetry_1h WHERE key_id = {key} AND device_id > d.id)
    FROM d WHERE d.id IS NOT NULL)
  SELECT 1 FROM d WHERE d.id NOT IN :devices AND EXISTS (
    SELECT 1 FROM telemetry_1h WHERE key_id = {key} AND device_id = d.id
    AND bucket >= :lo AND bucket < :hi))"""


def _nobody_else(key_ids) -> str:
    """SQL: no device outside :devices has 1h rollup rows of these keys in [:lo, :hi)."""
    return " AND ".join(_NOBODY_ELSE.format(key=int(k)) for k in key_ids)


def _device_test(dialect: str, table: str, device_ids, key_ids) -> str:
    """The fleet's condition on rows of `table`.

    Testing each rollup row's device against a long list costs SQLite as much as the rest of
    the scan; when no device outside the fleet has rows (a fleet of one device type asking for
    that type's key, the common case), the list need not be consulted: the same rows in the
    same order, so the same sums. Part of the one statement, so that both see one snapshot.
    PostgreSQL hashes the list and gains nothing (so it has no ix_telemetry_1h_key_device to
    maintain on every rollup update). One device is read through the primary key, with no test
    per row to spare."""
    if dialect == "sqlite" and table == telemetry_1h.name and len(device_ids) > 1:
        return f"({_nobody_else(key_ids)} OR device_id IN :devices)"
    return "device_id IN :devices"


def _with_devices(stmt):
    # Devices as quoted literals, not parameters: psycopg prepares a statement run five
    # times, and PostgreSQL's generic plan then tests a parameter list row by row
    # (~90 ms for a 100-device fleet, ~20 ms with a constant list, which it hashes).
    return stmt.bindparams(bindparam("devices", type_=String, expanding=True,
                                     literal_execute=True))


def _fold(conn, table, ts, columns, device_ids, key_ids, lo, hi, interval_ms, raw=False,
          aligned=False):
    # When rollup buckets are the intervals, grouping by the bare column lets SQLite aggregate
    # in index order instead of sorting into a temporary b-tree (half the fleet query's time).
    # A range inside one bucket (a partial edge) needs no grouping by bucket at all, and so no
    # sort of its raw rows.
    group = "key_id, b"
    if lo // interval_ms == (hi - 1) // interval_ms:
        bucket, group = str(int(lo // interval_ms * interval_ms)), "key_id"
    elif aligned:
        bucket = ts
    else:
        bucket = f"({ts} / {interval_ms}) * {interval_ms}"
    where = [f"key_id IN ({', '.join(str(int(k)) for k in key_ids)})",
             f"{ts} >= :lo", f"{ts} < :hi"]
    params = {"lo": lo, "hi": hi}
    if raw:
        where.append("value IS NOT NULL")  # every group then has a count of at least one
    if device_ids is not None:
        where.append(_device_test(conn.dialect.name, table, device_ids, key_ids))
        params["devices"] = list(device_ids)
    stmt = text(f"SELECT key_id, {bucket} AS b, {columns} "
                f"FROM {table} WHERE {' AND '.join(where)} GROUP BY {group}")
    if device_ids is not None:
        stmt = _with_devices(stmt)
    return conn.execute(stmt, params).all()  # one fetch: ~2x cheaper than row by row
