from flask import Blueprint, g, request
from sqlalchemy import select

from smartcity.auth.guard import require_role
from smartcity.errors import bad_request
from smartcity.extensions import db
from smartcity.http import json_body
from smartcity.pagination import page_response, paginate
from smartcity.telemetry.reads import reporting_end
from smartcity.timeutil import now_ms
from smartcity.validation import load
from smartcity.water import isolation, leakage, service
from smartcity.water.models import Isolation
from smartcity.water.schemas import (
    at_query_schema,
    consumption_query_schema,
    customer_consumption_query_schema,
    ili_schema,
    isolate_schema,
    isolation_query_schema,
    leak_analysis_schema,
    leaks_query_schema,
    period_query_schema,
)

bp = Blueprint("water", __name__, url_prefix="/api/water")


@bp.post("/leak-analysis")
@require_role("viewer")
def leak_analysis():
    """Minimum-night-flow leakage: legitimate night use, net night flow, leakage per day."""
    data = load(leak_analysis_schema, json_body())
    factor = data.get("hour_day_factor", leakage.DEFAULT_HOUR_DAY_FACTOR)
    try:
        if "pressure_profile" in data:
            factor = leakage.hour_day_factor(data["pressure_profile"], data.get("night_hour"),
                                             data["n1"])
    except leakage.Undefined as exc:
        field = "pressure_profile" if exc.field == "pressures" else exc.field
        raise bad_request(exc.message, field) from None
    result = leakage.night_flow_analysis(
        data["min_night_flow_m3h"], data["population"], data["active_fraction"],
        data["per_person_night_use_lph"], data["non_household_users"],
        data["non_household_use_lph"], factor)
    return result.__dict__ | {"hour_day_factor": factor}


@bp.post("/ili")
@require_role("viewer")
def infrastructure_leakage_index():
    """IWA Infrastructure Leakage Index: UARL (m3/day) and CARL / UARL; 400 where undefined."""
    data = load(ili_schema, json_body())
    try:
        return leakage.ili(data["carl_m3_per_day"], data["mains_km"],
                           data["service_connections"], data["avg_pressure_m"],
                           data["private_pipe_km"])
    except leakage.Undefined as exc:
        raise bad_request(exc.message, exc.field) from None


@bp.get("/network")
@require_role("viewer")
def get_network():
    """DMAs with their devices, inlet flow (m3/h) and pressure (bar)."""
    return {"items": service.network()}


@bp.get("/consumption")
@require_role("viewer")
def get_consumption():
    """Water into each DMA (m3) per hour, day, week or month from the rollups (start, end)."""
    args = load(consumption_query_schema, request.args)
    end = args.get("end") or reporting_end() + 1
    start = args.get("start") or end - 7 * service.DAY
    if end <= start:
        raise bad_request("end must be after start", "end")
    return {"start": start, "end": end, "interval": args["interval"],
            "items": service.consumption(start, end, args["interval"])}


@bp.get("/leaks")
@require_role("viewer")
def get_leaks():
    """Every DMA's minimum-night-flow analysis of a night (default the last), biggest first."""
    args = load(leaks_query_schema, request.args)
    night = (args["night"] // service.DAY * service.DAY if args.get("night")
             else service.last_night(now_ms()))
    return {"night": night, "items": service.leaks(night)}


def _period(args: dict, default_ms: int) -> tuple[int, int]:
    """[start, end) of a query: end defaults to now, start to `default_ms` before end."""
    end = args.get("end") or now_ms()
    start = args.get("start") or end - default_ms
    if end <= start:
        raise bad_request("end must be after start", "end")
    return start, end


@bp.get("/quality")
@require_role("viewer")
def get_quality():
    """Water quality (pH, turbidity, chlorine) per sensor against the limits (start, end)."""
    start, end = _period(load(period_query_schema, request.args), service.DAY)
    return service.water_quality(start, end)


@bp.get("/pressure-drops")
@require_role("viewer")
def get_pressure_drops():
    """Each DMA's pressure sensors against their last hour, and a suspected burst (at)."""
    args = load(at_query_schema, request.args)
    return {"items": service.pressure_drops(args.get("at") or now_ms())}


@bp.get("/dmas/<dma_id>/isolation-plan")
@require_role("viewer")
def get_isolation_plan(dma_id):
    """The valves that isolate a DMA (role inlet or boundary), their position, who is cut off."""
    return isolation.plan(dma_id)


@bp.post("/isolate")
@require_role("operator")
def isolate():
    """Close (or reopen) a DMA: set_position to each isolating valve {dma, action, reason}."""
    data = load(isolate_schema, json_body())
    row = isolation.isolate(data["dma"], data["action"], data.get("reason"), data["timeout_s"],
                            g.principal.name)
    return isolation.to_dict(row), 201


@bp.get("/isolations")
@require_role("viewer")
def list_isolations():
    """Isolations sent, newest first, each valve's command status (dma)."""
    args = load(isolation_query_schema, request.args)
    stmt = select(Isolation)
    if args.get("dma"):
        stmt = stmt.where(Isolation.dma_id == args["dma"])
    rows, cursor = paginate(db.session, stmt, [Isolation.id], descending=True)
    return page_response([isolation.to_dict(r) for r in rows], cursor)


@bp.get("/isolations/<int:isolation_id>")
@require_role("viewer")
def get_isolation(isolation_id):
    """One isolation with the status of each valve's set_position command."""
    return isolation.to_dict(isolation.get(isolation_id))


DEFAULT_SPAN = {"day": 30 * service.DAY, "week": 12 * 7 * service.DAY,
                "month": 365 * service.DAY}


@bp.get("/customers/consumption")
@require_role("viewer")
def get_customer_consumption():
    """Each customer meter's consumption (m3) per day, week or month from its register (dma)."""
    args = load(customer_consumption_query_schema, request.args)
    end = args.get("end") or reporting_end() + 1
    start = args.get("start") or end - DEFAULT_SPAN[args["interval"]]
    if end <= start:
        raise bad_request("end must be after start", "end")
    return {"start": start, "end": end, "interval": args["interval"],
            "items": service.customer_consumption(start, end, args["interval"], args.get("dma"))}
