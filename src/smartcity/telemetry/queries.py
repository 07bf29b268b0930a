"""All SQL that reads telemetry: history pages, latest values, aggregates from rollups."""

from dataclasses import dataclass

from sqlalchemy import bindparam, select, text, tuple_

from smartcity.telemetry.models import ROLLUPS, telemetry, telemetry_keys, telemetry_latest
from smartcity.telemetry.points import decode_value

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


def history_item(row) -> dict:
    return {"key": row.name, "ts": row.ts, "value": decode_value(row.value, row.text_value)}


def latest(conn, device_id: str, key_ids: dict[str, int] | None) -> dict:
    stmt = (select(telemetry_keys.c.name, telemetry_latest.c.ts, telemetry_latest.c.value,
                   telemetry_latest.c.text_value)
            .join(telemetry_keys, telemetry_keys.c.id == telemetry_latest.c.key_id)
            .where(telemetry_latest.c.device_id == device_id))
    if key_ids is not None:
        stmt = stmt.where(telemetry_latest.c.key_id.in_(list(key_ids.values())))
    return {r.name: {"ts": r.ts, "value": decode_value(r.value, r.text_value)}
            for r in conn.execute(stmt)}


def rollup_width(interval_ms: int) -> int:
    """The coarsest rollup whose buckets tile the interval."""
    return max(w for w in ROLLUPS if interval_ms % w == 0)


def aggregate(conn, device_ids: list[str] | None, key_ids: list[int], start: int, end: int,
              interval_ms: int) -> dict[int, dict[int, Bucket]]:
    """Buckets per key over [start, end): rollup rows for whole rollup buckets, raw rows only
    for the partial edges. `device_ids` None means every device."""
    width = rollup_width(interval_ms)
    inner_start, inner_end = -(-start // width) * width, end // width * width
    result: dict[int, dict[int, Bucket]] = {k: {} for k in key_ids}
    if not key_ids:  # "IN ()" is an SQL syntax error on PostgreSQL
        return result
    if inner_start < inner_end:
        _fold(conn, result, ROLLUPS[width].name, "bucket", "count", "sum", "min", "max",
              device_ids, key_ids, inner_start, inner_end, interval_ms)
        edges = [(start, inner_start), (inner_end, end)]
    else:
        edges = [(start, end)]
    for lo, hi in edges:
        if lo < hi:
            _fold(conn, result, "telemetry", "ts", "COUNT(value)", "value", "value", "value",
                  device_ids, key_ids, lo, hi, interval_ms, raw=True)
    return result


def _fold(conn, result, table, ts, count, total, low, high, device_ids, key_ids, lo, hi,
          interval_ms, raw=False):
    agg = (f"{count}, SUM({total}), MIN({low}), MAX({high})" if raw
           else f"SUM({count}), SUM({total}), MIN({low}), MAX({high})")
    where = [f"key_id IN ({', '.join(str(int(k)) for k in key_ids)})",
             f"{ts} >= :lo", f"{ts} < :hi"]
    params = {"lo": lo, "hi": hi}
    if raw:
        where.append("value IS NOT NULL")
    if device_ids is not None:
        where.append("device_id IN :devices")
        params["devices"] = list(device_ids)
    stmt = text(f"SELECT key_id, ({ts} / {interval_ms}) * {interval_ms} AS b, {agg} "
                f"FROM {table} WHERE {' AND '.join(where)} GROUP BY key_id, b")
    if device_ids is not None:
        stmt = stmt.bindparams(bindparam("devices", expanding=True))
    for key_id, bucket, n, s, mn, mx in conn.execute(stmt, params):
        if n:  # int(): PostgreSQL's SUM(bigint) is a numeric (Decimal)
            result[key_id].setdefault(bucket, Bucket()).add(int(n), s, mn, mx)


def series(buckets: dict[int, Bucket], agg: str) -> list[dict]:
    return [{"ts": b, "value": buckets[b].value(agg)} for b in sorted(buckets)]

