"""The daily planning job: tomorrow's collections from predicted fill levels and the trucks
that are free.

Once a day, from WASTE_PLAN_AT_HOUR (UTC) on, the job plans the collections of the next day,
at WASTE_PLAN_START_HOUR: every bin at or above WASTE_PLAN_THRESHOLD_PCT now, or predicted to
be full before the round of the day after (so that nothing overflows between two rounds), and
not already in an open collection. Trucks are the active vehicles of kind "truck" with no open
collection that day; each starts from its home asset (the depot). The job runs hourly and
plans a day once: a day with daily collections is left alone.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from smartcity.devices.models import Device
from smartcity.extensions import db
from smartcity.timeutil import now_ms
from smartcity.waste import planning
from smartcity.waste.models import Collection

OPEN = ("planned", "in_progress")


def plan_tomorrow(app, now: int | None = None) -> dict:
    """The job: store tomorrow's planned collections; say what was done."""
    config = app.config
    now = now_ms() if now is None else now
    today = datetime.fromtimestamp(now / 1000, UTC)
    if today.hour < config["WASTE_PLAN_AT_HOUR"]:
        return {"planned": 0, "reason": "not yet time"}
    start = (today + timedelta(days=1)).replace(hour=config["WASTE_PLAN_START_HOUR"], minute=0,
                                                second=0, microsecond=0)
    day = (start.replace(hour=0), start.replace(hour=0) + timedelta(days=1))
    open_rounds = db.session.scalars(select(Collection).where(
        Collection.status.in_(OPEN))).all()
    if any(c.source == "daily" and day[0] <= c.scheduled_for < day[1] for c in open_rounds):
        return {"planned": 0, "reason": "already planned", "day": start.date().isoformat()}
    busy = {c.vehicle_id for c in open_rounds if day[0] <= c.scheduled_for < day[1]}
    trucks = [d for d in db.session.scalars(select(Device).where(
        Device.type == "vehicle", Device.status == "active").order_by(Device.id))
        if (d.meta or {}).get("kind") == "truck" and d.id not in busy]
    if not trucks:
        return {"planned": 0, "reason": "no truck is free", "day": start.date().isoformat()}
    vehicles = [{"id": t.id, "capacity_l": int((t.meta or {}).get("capacity_l")
                                               or config["WASTE_TRUCK_CAPACITY_L"]),
                 "depot": t.asset_id or planning.default_depot()} for t in trucks]
    # full before the round of the day after tomorrow means it overflows if left
    horizon_h = (start.timestamp() * 1000 - now) / 3_600_000 + 24
    plan = planning.optimise(vehicles, config["WASTE_PLAN_THRESHOLD_PCT"], horizon_h,
                             config["WASTE_PLAN_TIME_LIMIT_S"],
                             exclude={b["bin_id"] for c in open_rounds for b in c.bins})
    ids = planning.save(plan, int(start.timestamp() * 1000), source="daily")
    db.session.commit()
    return {"planned": len(ids), "collections": ids, "day": start.date().isoformat(),
            "bins": sum(len(r["bins"]) for r in plan["routes"]), "dropped": plan["dropped"],
            "total_km": plan["total_km"], "baseline_km": plan["baseline"]["total_km"]}
