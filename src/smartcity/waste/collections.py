"""Collections: create, list, complete (which empties the bins through the ingest pipeline)."""

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from smartcity.assets.districts import district_of, districts
from smartcity.errors import ApiError, bad_request, conflict, not_found
from smartcity.extensions import db
from smartcity.telemetry.pipeline import get_pipeline
from smartcity.telemetry.points import reading
from smartcity.timeutil import iso, now_ms
from smartcity.waste import bins as bin_service
from smartcity.waste.models import Collection


def get_collection(collection_id: int) -> Collection:
    found = db.session.get(Collection, collection_id)
    if found is None:
        raise not_found("collection")
    return found


def list_query(args: dict):
    stmt = select(Collection)
    if args.get("status"):
        stmt = stmt.where(Collection.status == args["status"])
    if args.get("vehicle_id"):
        stmt = stmt.where(Collection.vehicle_id == args["vehicle_id"])
    if args.get("start") is not None:
        stmt = stmt.where(Collection.scheduled_for >= _dt(args["start"]))
    if args.get("end") is not None:
        stmt = stmt.where(Collection.scheduled_for < _dt(args["end"]))
    return stmt


def create_collection(data: dict, source: str = "manual") -> Collection:
    """A planned round; each bin is recorded with its stream and district as they are now."""
    devices = {d.id: d for d in bin_service.bin_devices(data["bins"])}
    unknown = [b for b in data["bins"] if b not in devices]
    if unknown:
        raise bad_request(f"unknown bin {unknown[0]}", "bins")
    known = districts()
    collection = Collection(
        vehicle_id=data["vehicle_id"], scheduled_for=_dt(data["scheduled_for"]),
        status=data.get("status", "planned"), source=source,
        distance_km=data.get("distance_km"), duration_h=data.get("duration_h"),
        route=data.get("route"),
        bins=[{"bin_id": b, "stream": bin_service.stream_of(devices[b]),
               "capacity_l": bin_service.capacity_of(devices[b]),
               "district": (district_of(devices[b], known) or {}).get("id")}
              for b in data["bins"]])
    db.session.add(collection)
    db.session.flush()
    return collection


def complete(collection: Collection, data: dict) -> Collection:
    """Mark a round completed with its weights and empty its bins (fill_level 0 now)."""
    if collection.status in ("completed", "cancelled"):
        raise conflict(f"collection is already {collection.status}", "status")
    weights = data.get("weights") or {}
    unknown = set(weights) - {b["bin_id"] for b in collection.bins}
    if unknown:
        raise bad_request(f"bin {sorted(unknown)[0]} is not in this collection", "weights")
    levels = {s["id"]: s["level"] for s in bin_service.bin_states(
        [b["bin_id"] for b in collection.bins])}
    density = current_app.config["WASTE_DENSITY_KG_PER_L"]
    items = []
    for item in collection.bins:
        kg = weights.get(item["bin_id"])
        if kg is None:  # no weighbridge reading per bin: volume x fill x stream density
            kg = item["capacity_l"] * (levels.get(item["bin_id"]) or 0) / 100 \
                * density.get(item["stream"], 0.1)
        items.append(item | {"weight_kg": round(float(kg), 1),
                             "weighed": item["bin_id"] in weights})
    total = sum(i["weight_kg"] for i in items)
    if data.get("collected_kg") is not None and total > 0:  # the truck's total wins; share it
        scale = data["collected_kg"] / total
        items = [i | {"weight_kg": round(i["weight_kg"] * scale, 1)} for i in items]
        total = data["collected_kg"]
    collection.bins, collection.collected_kg = items, round(total, 1)
    for field in ("distance_km", "duration_h"):
        if data.get(field) is not None:
            setattr(collection, field, data[field])
    collection.status, collection.completed_at = "completed", datetime.now(UTC)
    db.session.commit()
    _empty([i["bin_id"] for i in items])
    return collection


def _empty(bin_ids: list[str]) -> None:
    """A fill_level of 0 per emptied bin, through the pipeline like any reading, so that the
    history shows the emptying, rules clear and the fill rate starts a new segment. Derived:
    the platform says it, the bin was not heard from."""
    if not bin_ids:
        return
    ts = now_ms()
    points = [p for b in bin_ids for p in reading(b, ts, {bin_service.LEVEL_KEY: 0.0})]
    job = get_pipeline().submit(points, block=True, derived=True)
    if not job.wait(current_app.config["INGEST_COMMIT_TIMEOUT"]) or job.error is not None:
        raise ApiError(503, "storage_unavailable",
                       "collection completed but the bins' levels could not be stored",
                       headers={"Retry-After": "2"})


def to_dict(c: Collection) -> dict:
    return {"id": c.id, "vehicle_id": c.vehicle_id, "scheduled_for": iso(c.scheduled_for),
            "status": c.status, "source": c.source, "bins": c.bins,
            "distance_km": c.distance_km, "duration_h": c.duration_h,
            "collected_kg": c.collected_kg, "route": c.route,
            "created_at": iso(c.created_at), "completed_at": iso(c.completed_at)}


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
