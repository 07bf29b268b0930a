"""The waste KPI analytics collects (registered with @domain.kpi; docs/kpis.md).

A bin was collected before full when its last fill level before the round was completed was
below WASTE_OVERFLOW_PCT. The zero the completion writes (collections._empty) is stamped at or
after completed_at, so the reading read here is the truck's arrival level, not the emptying.
"""

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.telemetry.reads import samples
from smartcity.waste.bins import LEVEL_KEY
from smartcity.waste.models import Collection

LOOKBACK_MS = 7 * 86_400_000  # a level older than this before the round is not its level


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def collected_before_full(start: int, end: int) -> float | None:
    full = current_app.config["WASTE_OVERFLOW_PCT"]
    rounds = db.session.scalars(select(Collection).where(
        Collection.status == "completed", Collection.completed_at >= _dt(start),
        Collection.completed_at < _dt(end)))
    levels = []
    with db.reader() as conn:
        for c in rounds:
            done = int(c.completed_at.timestamp() * 1000)
            for item in c.bins:
                found = samples(conn, item["bin_id"], LEVEL_KEY, done - LOOKBACK_MS, done)
                if found:
                    levels.append(found[-1][1])
    return round(100 * sum(v < full for v in levels) / len(levels), 1) if levels else None
