"""Forget raw telemetry after RETENTION_DAYS and rollups after ROLLUP_RETENTION_DAYS."""

import logging

from sqlalchemy import select

from smartcity.telemetry.models import ROLLUPS, telemetry
from smartcity.telemetry.partitions import partitions
from smartcity.timeutil import now_ms

log = logging.getLogger(__name__)
DAY_MS = 86_400_000
DELETE_CHUNK = 50_000


def apply_retention(app, engine, now: int | None = None) -> dict:
    """Delete what is older than the configured horizons; return counts per table."""
    now = now_ms() if now is None else now
    raw_cutoff = now - app.config["RETENTION_DAYS"] * DAY_MS
    rollup_cutoff = now - app.config["ROLLUP_RETENTION_DAYS"] * DAY_MS
    report = {"raw_cutoff": raw_cutoff, "rollup_cutoff": rollup_cutoff}
    if engine.dialect.name == "postgresql":
        report["dropped_partitions"] = partitions(app).drop_before(engine, raw_cutoff)
    report["telemetry"] = _delete_older(engine, telemetry, telemetry.c.ts, raw_cutoff)
    for table in ROLLUPS.values():
        report[table.name] = _delete_older(engine, table, table.c.bucket, rollup_cutoff)
    log.info("retention: %s", report)
    return report


def _delete_older(engine, table, column, cutoff: int) -> int:
    """Delete in chunks so that no transaction holds the database for long."""
    total = 0
    while True:
        with engine.begin() as conn:
            oldest = conn.scalar(select(column).where(column < cutoff)
                                 .order_by(column).offset(DELETE_CHUNK).limit(1))
            # <= oldest: more than a chunk of rows may share one time (a bucket of every
            # series), and deleting only the rows before it would then never progress.
            last = column < cutoff if oldest is None else column <= oldest
            total += conn.execute(table.delete().where(last)).rowcount
        if oldest is None:
            return total
