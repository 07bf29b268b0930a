from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request

from smartcity.auth.guard import require_role
from smartcity.errors import ApiError, bad_request
from smartcity.http import json_body
from smartcity.telemetry.params import time_range
from smartcity.timeutil import now_ms
from smartcity.transport import (
    demand,
    gtfs,
    gtfs_import,
    gtfs_rt,
    live,
    optimisation,
    service,
    timetable,
)
from smartcity.transport.schemas import (
    demand_forecast_query,
    demand_query,
    headways_query,
    route_optimisation,
)
from smartcity.validation import load

bp = Blueprint("transport", __name__, url_prefix="/api/transport")

PROTOBUF = "application/x-protobuf"


@bp.get("/vehicles")
@require_role("viewer")
def list_vehicles():
    """List vehicles with latest position, speed, heading, occupancy and fuel/battery (kind=)."""
    return {"items": service.vehicles(request.args.get("kind"))}


@bp.get("/vehicles/<device_id>")
@require_role("viewer")
def get_vehicle(device_id):
    """Give one vehicle's latest state."""
    return service.vehicle(device_id)


@bp.get("/vehicles/<device_id>/track")
@require_role("viewer")
def get_track(device_id):
    """Give a vehicle's stored positions in [start, end) as a GeoJSON LineString (default 24 h)."""
    start, end = time_range()
    return service.track(device_id, start, end)


@bp.get("/gtfs-rt/vehicle-positions")
@require_role("viewer")
def vehicle_positions():
    """Serve every vehicle's latest position as a GTFS-realtime FeedMessage (format=json)."""
    fmt = feed_format()
    return feed_response(gtfs_rt.feed(service.vehicles(), now_ms()), fmt)


@bp.get("/gtfs-rt/trip-updates")
@require_role("viewer")
def trip_updates():
    """Serve every bus trip's predicted arrivals as GTFS-realtime TripUpdates (format=json)."""
    fmt = feed_format()
    at = now_ms()
    return feed_response(gtfs_rt.trip_updates(live.predictions(at), at), fmt)


def feed_format() -> str:
    fmt = request.args.get("format", "protobuf")
    if fmt not in ("protobuf", "json"):
        raise bad_request("format must be protobuf or json", "format")
    return fmt


def feed_response(message, fmt: str):
    if fmt == "json":
        return gtfs_rt.as_json(message)
    return Response(message.SerializeToString(), mimetype=PROTOBUF)


@bp.get("/gtfs.zip")
@require_role("viewer")
def gtfs_export():
    """Export the timetable in force (imported, else derived from the lines) as GTFS (zip)."""
    body = gtfs.to_zip(timetable.tables(current_app.config, datetime.now(UTC).date()))
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": "attachment; filename=gtfs.zip"})


@bp.post("/gtfs")
@require_role("operator")
def gtfs_import_feed():
    """Import a GTFS static feed (zip: multipart field file or raw body), replacing the stored."""
    upload = request.files.get("file")
    body = upload.read() if upload else request.get_data()
    if not body:
        raise bad_request("file: a GTFS zip is required", "file")
    try:
        feed = gtfs_import.parse(body)
    except gtfs_import.FeedError as exc:
        first = exc.problems[0]
        raise ApiError(400, "validation_error", str(exc),
                       {"field": "file", "file": first["file"], "line": first["line"],
                        "column": first["field"], "problems": exc.problems}) from None
    counts = timetable.store(feed)
    return {**counts, "ignored_files": feed["ignored"],
            "skipped_stops": feed["skipped_stops"]}, 201


@bp.get("/lines/adherence")
@require_role("viewer")
def lines_adherence():
    """Give every line's trips, stop passings, mean delay and on-time % in [start, end)."""
    start, end = time_range(default_span="-2h")
    return live.line_summaries(start, end)


@bp.get("/lines/<route_id>/adherence")
@require_role("viewer")
def line_adherence(route_id):
    """Give a line's runs in [start, end) with the delay at each stop, mean delay and on-time %."""
    start, end = time_range(default_span="-2h")
    return live.delays(route_id, start, end)


@bp.get("/stops/<stop_id>/headways")
@require_role("viewer")
def stop_headways(stop_id):
    """Give headways at a stop in [start, end): CV, and SWT, AWT and EWT as TfL defines them."""
    args = load(headways_query, request.args)
    start, end = time_range(default_span="-2h")
    return live.headways(stop_id, args.get("route"), args.get("direction"), start, end)


@bp.get("/stops/<stop_id>/arrivals")
@require_role("viewer")
def stop_arrivals(stop_id):
    """Predict arrivals at a stop from live positions and observed segment speeds."""
    return live.arrivals(stop_id, now_ms())


@bp.post("/optimization/routes")
@require_role("operator")
def optimise_routes():
    """Plan routes for stops with time windows and vehicle capacities (OR-Tools VRPTW)."""
    return optimisation.optimise(load(route_optimisation, json_body()))


@bp.get("/demand")
@require_role("viewer")
def get_demand():
    """Give boardings in [start, end) per stop (busiest first), per line and per hour."""
    args = load(demand_query, request.args)
    start, end = time_range()
    return demand.boardings(start, end, args.get("line"), args["top"])


@bp.get("/demand/forecast")
@require_role("viewer")
def demand_forecast():
    """Forecast each line's boardings for the next 24 hours (core forecast, best by backtest)."""
    args = load(demand_forecast_query, request.args)
    return demand.forecast(now_ms() // demand.HOUR * demand.HOUR, args["history_days"])


@bp.get("/vehicles/<device_id>/efficiency")
@require_role("viewer")
def get_efficiency(device_id):
    """Give a vehicle's distance, fuel or battery use per 100 km and idle time in [start, end)."""
    start, end = time_range()
    return demand.vehicle_efficiency(device_id, start, end)
