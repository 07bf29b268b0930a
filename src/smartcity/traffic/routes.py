"""/api/traffic: flow, congestion, incidents, signal timing, routing, peak hours."""

from flask import Blueprint, current_app, g, request

from smartcity.auth.guard import require_role
from smartcity.errors import bad_request
from smartcity.http import json_body
from smartcity.traffic import incidents, peaks, prediction, service, signals, webster
from smartcity.traffic.schemas import (
    IncidentCreate,
    IncidentQuery,
    IncidentUpdate,
    PeakQuery,
    PredictionQuery,
    ReadingsQuery,
    RouteRequest,
    SignalTiming,
)
from smartcity.validation import load

bp = Blueprint("traffic", __name__, url_prefix="/api/traffic")


def _changed(kind: str, incident) -> None:
    """Roads and every page showing incidents learn of a change at once."""
    from smartcity.traffic import domain

    domain.push(current_app._get_current_object(),
                {"kind": kind, "incident": incidents.to_dict(incident),
                 "city": service.city_summary()})


@bp.get("/data")
@require_role("viewer")
def get_data():
    """Latest flow per counter and per segment: intensity (veh/h), occupancy (%), mean speed."""
    return service.data()


@bp.get("/readings")
@require_role("viewer")
def list_readings():
    """Counters and signals with their readings (device_id, device_type, keys, start, end,
    points per device; a page of devices after cursor)."""
    return service.readings(load(ReadingsQuery(), request.args))


@bp.get("/congestion")
@require_role("viewer")
def get_congestion():
    """Travel Time Index, level and HCM LOS per segment on the live network; the city index."""
    ids = [i for i in request.args.get("segment_id", "").split(",") if i] or None
    return service.congestion(ids)


@bp.get("/incidents")
@require_role("viewer")
def list_incidents():
    """List traffic incidents (status, segment_id, limit), newest first."""
    args = IncidentQuery().load(request.args)
    return {"items": [incidents.to_dict(i) for i in incidents.listing(
        args.get("status"), args.get("segment_id"), args["limit"])]}


@bp.post("/incidents")
@require_role("operator")
def create_incident():
    """Report an incident on a road segment; routing sees its capacity loss at once."""
    data = IncidentCreate().load(json_body())
    from smartcity.roads import store

    if data["segment_id"] not in store.network().roads().segments:
        raise bad_request(f"unknown road segment {data['segment_id']!r}", "segment_id")
    incident = incidents.create(data, g.principal.name)
    _changed("incident_created", incident)
    return incidents.to_dict(incident), 201


@bp.get("/incidents/<incident_id>")
@require_role("viewer")
def get_incident(incident_id):
    return incidents.to_dict(incidents.get(incident_id))


@bp.patch("/incidents/<incident_id>")
@require_role("operator")
def update_incident(incident_id):
    """Update an incident, or resolve it with {"status": "resolved"}."""
    changes = IncidentUpdate().load(json_body())
    incident = incidents.update(incidents.get(incident_id), changes)
    _changed("incident_resolved" if changes.get("status") == "resolved"
             else "incident_updated", incident)
    return incidents.to_dict(incident)


@bp.post("/signal-timing")
@require_role("viewer")
def signal_timing():
    """Webster's optimal cycle, effective greens and delays for the given phases."""
    body = SignalTiming().load(json_body())
    try:
        return webster.signal_timing(body["phases"], body["lost_time_s"],
                                     body.get("min_cycle_s"), body.get("max_cycle_s"))
    except ValueError as exc:
        raise bad_request(str(exc), "phases") from None


@bp.get("/optimization/signals")
@require_role("viewer")
def optimise_signals():
    """Recommended (Webster, last hour's flows) against current timing for every signal."""
    return {"items": signals.recommendations(),
            "method": "Webster (1958) on two axis phases, critical approach per phase, "
                      f"saturation {signals.SATURATION_PER_LANE_VPH:g} veh/h/lane, "
                      f"lost time {signals.LOST_TIME_PER_PHASE_S:g} s per phase"}


@bp.post("/signals/<junction_id>/apply")
@require_role("operator")
def apply_signal_plan(junction_id):
    """Send the recommended plan to the junction's signal (apply_plan command), tracked."""
    return signals.apply(junction_id, g.principal.name), 202


@bp.get("/signals/<junction_id>/plans")
@require_role("viewer")
def list_signal_plans(junction_id):
    """Plans sent to a junction's signal with their command status, newest first."""
    return {"items": signals.plans(junction_id)}


@bp.post("/routes")
@require_role("viewer")
def plan_route():
    """Fastest (or shortest) route over the live network: distance, ETA, GeoJSON line."""
    return service.route(RouteRequest().load(json_body()))


@bp.get("/peak-hours")
@require_role("viewer")
def get_peak_hours():
    """Weekday and weekend hourly profiles per counter and their peak hours (local time)."""
    args = PeakQuery().load(request.args)
    return {"items": peaks.peak_hours(args["days"], args.get("device_id"))}


@bp.get("/counters/<device_id>/prediction")
@require_role("viewer")
def predict_flow(device_id):
    """Next hours' flow with its backtest error against the same hour last week."""
    from smartcity.devices.service import get_device

    if get_device(device_id).type != "traffic_counter":
        raise bad_request("not a traffic counter", "device_id")
    args = PredictionQuery().load(request.args)
    return prediction.counter_prediction(device_id, args["hours"], args["days"])
