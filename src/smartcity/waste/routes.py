from flask import Blueprint, g, request

from smartcity.auth.guard import require_role
from smartcity.devices.service import device_to_dict
from smartcity.errors import bad_request
from smartcity.extensions import db
from smartcity.http import json_body
from smartcity.pagination import page_response, paginate
from smartcity.telemetry.params import time_range
from smartcity.telemetry.points import Rejection
from smartcity.validation import load
from smartcity.waste import analytics, collections, planning
from smartcity.waste import bins as bin_service
from smartcity.waste.models import Collection
from smartcity.waste.schemas import (
    bin_create_schema,
    collection_create_schema,
    collection_query_schema,
    complete_schema,
    level_schema,
    routes_schema,
)

bp = Blueprint("waste", __name__, url_prefix="/api/waste")


@bp.get("/bins")
@require_role("viewer")
def list_bins():
    """List bins with level, fill rate and time to full (stream=, district=, min_level=)."""
    items = [bin_service.public(s) for s in bin_service.bin_states()]
    for name in ("stream", "district"):
        if request.args.get(name):
            items = [i for i in items if i[name] == request.args[name]]
    if request.args.get("min_level"):
        try:
            floor = float(request.args["min_level"])
        except ValueError:
            raise bad_request("min_level must be a number", "min_level") from None
        items = [i for i in items if (i["level"] or 0) >= floor]
    return {"items": items, "next_cursor": None}


@bp.post("/bins")
@require_role("admin")
def create_bin():
    """Register a smart bin (stream, capacity_l, location); its API key is shown once."""
    device, api_key = bin_service.create_bin(load(bin_create_schema, json_body()))
    db.session.commit()
    return device_to_dict(device) | {"api_key": api_key}, 201


@bp.get("/bins/<bin_id>")
@require_role("viewer")
def get_bin(bin_id):
    """Show one bin with its level, fill rate and time to full."""
    bin_service.get_bin(bin_id)
    return bin_service.public(bin_service.bin_states([bin_id])[0])


@bp.put("/bins/<bin_id>/update-level")
@require_role("operator")
def update_level(bin_id):
    """Set a bin's fill level, stored as a fill_level reading of the bin."""
    device = bin_service.get_bin(bin_id)
    data = load(level_schema, json_body())
    try:
        outcome = bin_service.update_level(device, data["fill_level"], data.get("ts"))
    except Rejection as exc:
        raise bad_request(exc.message, exc.field or "ts") from None
    return {"bin_id": bin_id, "stored": outcome.stored,
            **bin_service.public(bin_service.bin_states([bin_id])[0])}


@bp.get("/collections")
@require_role("viewer")
def list_collections():
    """List collections, newest schedule first (status, vehicle_id, start, end)."""
    args = load(collection_query_schema, request.args)
    rows, cursor = paginate(db.session, collections.list_query(args),
                            [Collection.id], descending=True)
    return page_response([collections.to_dict(c) for c in rows], cursor)


@bp.post("/collections")
@require_role("operator")
def create_collection():
    """Schedule a collection of some bins by a vehicle."""
    made = collections.create_collection(load(collection_create_schema, json_body()))
    db.session.commit()
    return collections.to_dict(made), 201


@bp.get("/collections/<int:collection_id>")
@require_role("viewer")
def get_collection(collection_id):
    """Show one collection."""
    return collections.to_dict(collections.get_collection(collection_id))


@bp.post("/collections/<int:collection_id>/complete")
@require_role("operator")
def complete_collection(collection_id):
    """Complete a collection with its weights; its bins are emptied."""
    found = collections.get_collection(collection_id)
    body = json_body() if request.get_data() else {}
    return collections.to_dict(collections.complete(found, load(complete_schema, body)))


@bp.post("/optimization/routes")
@require_role("operator")
def optimise_routes():
    """Plan collection routes over the road network (OR-Tools VRP vs nearest neighbour)."""
    data = load(routes_schema, json_body())
    plan = planning.optimise(data["vehicles"], data["threshold_pct"], data["horizon_h"],
                             data["time_limit_s"])
    if data["save"]:
        plan["collections"] = planning.save(plan, data.get("scheduled_for"))
        db.session.commit()
    if data["dispatch"]:
        plan["commands"] = planning.dispatch(plan, g.principal.name, data["command_timeout_s"],
                                             plan.get("collections"))
    return plan


@bp.get("/analytics")
@require_role("viewer")
def get_analytics():
    """Collected weight per district and stream, recycling rate and cost (start, end)."""
    start, end = time_range(default_span="-30d")
    return analytics.summarise(start, end)
