from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request

from smartcity.auth.guard import require_role
from smartcity.errors import bad_request
from smartcity.telemetry.params import time_range
from smartcity.timeutil import now_ms
from smartcity.transport import gtfs, gtfs_rt, service

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
    fmt = request.args.get("format", "protobuf")
    if fmt not in ("protobuf", "json"):
        raise bad_request("format must be protobuf or json", "format")
    message = gtfs_rt.feed(service.vehicles(), now_ms())
    if fmt == "json":
        return gtfs_rt.as_json(message)
    return Response(message.SerializeToString(), mimetype=PROTOBUF)


@bp.get("/gtfs.zip")
@require_role("viewer")
def gtfs_export():
    """Export the city's bus lines and stops as a GTFS static feed (zip)."""
    body = gtfs.to_zip(service.gtfs_feed(current_app.config, datetime.now(UTC).date()))
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": "attachment; filename=gtfs.zip"})
