"""Waste collected per district and stream, recycling rate and cost, from completed
collections over a time range."""

from collections import defaultdict
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.waste.metrics import CostModel, recycling_rate
from smartcity.waste.models import Collection

STREAMS = ("general", "recycling", "organic", "glass")


def summarise(start: int, end: int) -> dict:
    """Weights by district and stream, the recycling rate of each and of the city, and cost."""
    rows = db.session.scalars(select(Collection).where(
        Collection.status == "completed",
        Collection.completed_at >= datetime.fromtimestamp(start / 1000, UTC),
        Collection.completed_at < datetime.fromtimestamp(end / 1000, UTC))).all()
    by_district: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(STREAMS, 0.0))
    km = hours = 0.0
    for c in rows:
        for item in c.bins:
            by_district[item.get("district") or "unknown"][item["stream"]] += \
                item.get("weight_kg") or 0.0
        km += c.distance_km or 0.0
        hours += c.duration_h or 0.0
    city = dict.fromkeys(STREAMS, 0.0)
    for weights in by_district.values():
        for stream, kg in weights.items():
            city[stream] += kg
    tonnes = sum(city.values()) / 1000
    model = CostModel.from_config(current_app.config["WASTE_COST_MODEL"])
    cost = model.cost(km, hours, tonnes)
    return {
        "start": start, "end": end, "collections": len(rows),
        "city": _entry(city),
        "districts": [{"district": d, **_entry(w)} for d, w in sorted(by_district.items())],
        "distance_km": round(km, 3), "duration_h": round(hours, 3),
        "cost": cost | {"per_collection": round(cost["total"] / len(rows), 2) if rows else None,
                        "model": model.__dict__},
        "method": "Decision 2011/753/EU, Annex I, method 4 (municipal waste recycled / "
                  "generated, by weight)"}


def _entry(weights: dict[str, float]) -> dict:
    rate = recycling_rate(weights)
    return {"kg": {s: round(v, 1) for s, v in weights.items()},
            "total_kg": round(sum(weights.values()), 1),
            "recycling_rate": None if rate is None else round(rate, 4)}
