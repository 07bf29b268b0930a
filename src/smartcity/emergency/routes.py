"""/api/emergency: incidents, units, recommendations, dispatch, statistics, public alerts,
coverage."""

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy import select

from smartcity.assets.models import Asset
from smartcity.auth.guard import require_role
from smartcity.emergency import alerts, dispatch, incidents, nfpa, units
from smartcity.emergency.cap import CONTENT_TYPE
from smartcity.emergency.schemas import (
    Broadcast,
    CoverageQuery,
    Dispatch,
    IncidentCreate,
    IncidentQuery,
    IncidentUpdate,
    StatisticsQuery,
    UnitQuery,
)
from smartcity.extensions import db
from smartcity.http import json_body
from smartcity.realtime.emitter import get_emitter
from smartcity.roads import store
from smartcity.telemetry.params import time_range

bp = Blueprint("emergency", __name__, url_prefix="/api/emergency")


def _push(kind: str, payload: dict, rooms: list[str]) -> None:
    """emergency_alert at once (not coalesced: every dispatch and broadcast matters)."""
    emitter = get_emitter(current_app._get_current_object())
    if emitter is not None:
        emitter.emit("emergency_alert", {"kind": kind, **payload}, rooms)


def _district(lat: float, lon: float) -> str | None:
    """The district of the junction nearest the call (junctions belong to a district)."""
    roads = store.network().roads()
    if not roads.junctions:
        return None
    node = roads.snap(lat, lon)[0]
    return db.session.scalar(select(Asset.parent_id).where(Asset.id == node))


@bp.get("/incidents")
@require_role("viewer")
def list_incidents():
    """List incidents (status, including "open"; type; limit), newest first."""
    args = IncidentQuery().load(request.args)
    return {"items": [incidents.to_dict(i) for i in incidents.listing(
        args.get("status"), args.get("type"), args["limit"])]}


@bp.post("/incidents")
@require_role("operator")
def create_incident():
    """Report an incident (type, priority 1-5, location)."""
    data = IncidentCreate().load(json_body())
    row = incidents.create(data, _district(**data["location"]), g.principal.name)
    body = incidents.to_dict(row)
    _push("incident", {"incident": body}, ["emergency"])
    return body, 201


@bp.get("/incidents/<incident_id>")
@require_role("viewer")
def get_incident(incident_id):
    return incidents.to_dict(incidents.get(incident_id))


@bp.patch("/incidents/<incident_id>")
@require_role("operator")
def update_incident(incident_id):
    """Move an incident on: en_route, on_scene, resolved (each time kept)."""
    status = IncidentUpdate().load(json_body())["status"]
    body = incidents.to_dict(incidents.advance(incidents.get(incident_id), status))
    _push("incident", {"incident": body}, ["emergency"])
    return body


@bp.get("/incidents/<incident_id>/recommendations")
@require_role("viewer")
def recommend_units(incident_id):
    """Available units of the right kind ranked by ETA over the live road network."""
    return dispatch.recommendations(incident_id)


@bp.get("/units")
@require_role("viewer")
def list_units():
    """Emergency vehicles with live positions and status (kind, status)."""
    args = UnitQuery().load(request.args)
    return {"items": units.units(args.get("kind"), args.get("status"))}


@bp.post("/units/<unit_id>/dispatch")
@require_role("operator")
def dispatch_unit(unit_id):
    """Send a unit to an incident with its route; 409 if the unit is not available."""
    body = dispatch.dispatch(unit_id, Dispatch().load(json_body())["incident_id"])
    _push("dispatch", {"unit_id": unit_id, "incident": body}, ["emergency"])
    return body


@bp.get("/units/<unit_id>/best-station")
@require_role("viewer")
def best_station(unit_id):
    """Where the idle unit covers most residents not covered by the others (exact MCLP)."""
    return dispatch.best_station(unit_id, CoverageQuery().load(request.args)["limit_s"])


@bp.get("/coverage")
@require_role("viewer")
def get_coverage():
    """Share of residents within limit_s (default 8 min) of an available unit, per kind."""
    return dispatch.coverage(CoverageQuery().load(request.args)["limit_s"])


@bp.get("/statistics")
@require_role("viewer")
def get_statistics():
    """NFPA 1710 segments (call processing, turnout, travel): median, 90th percentile and
    compliance per type and district over start..end (default the last 30 days)."""
    by = tuple(StatisticsQuery().load(request.args)["by"].split(","))
    start, end = time_range(default_span="-30d")
    rows = incidents.between(start, end)
    return {"start": start, "end": end, "standard": "NFPA 1710 (2020), 90 % of incidents",
            "groups": nfpa.statistics([incidents.nfpa_record(r) for r in rows], by)}


@bp.post("/alerts/broadcast")
@require_role("operator")
def broadcast():
    """Store a public alert (CAP 1.2 terms) and push it to everyone connected."""
    data = Broadcast().load(json_body())
    if "expires" in data:
        data["expires_ms"] = int(data.pop("expires").timestamp() * 1000)
    body = alerts.to_dict(alerts.create(data, g.principal.name))
    _push("broadcast", {"alert": body}, ["public", "emergency"])
    return body, 201


@bp.get("/alerts")
@require_role("viewer")
def list_alerts():
    """Public alerts, newest first (active=true: not yet expired)."""
    active = request.args.get("active", "").lower() in ("1", "true", "yes")
    return {"items": [alerts.to_dict(a) for a in alerts.listing(active)]}


@bp.get("/alerts/<alert_id>")
@require_role("viewer")
def get_alert(alert_id):
    return alerts.to_dict(alerts.get(alert_id))


@bp.get("/alerts/<alert_id>/cap")
@require_role("viewer")
def get_alert_cap(alert_id):
    """The alert as an OASIS CAP 1.2 XML document (application/cap+xml)."""
    return Response(alerts.to_cap(alerts.get(alert_id)), content_type=CONTENT_TYPE)
