"""JSON behind the dashboard pages (viewer and up)."""

from flask import Blueprint, current_app, request

from smartcity.auth.guard import require_role
from smartcity.dashboard import service
from smartcity.errors import bad_request
from smartcity.realtime.registry import snapshots
from smartcity.telemetry.points import KEY_PATTERN

bp = Blueprint("dashboard_api", __name__, url_prefix="/api/dashboard")


@bp.get("/overview")
@require_role("viewer")
def get_overview():
    """Summarise devices by connectivity and domain, open alarms, ingest rate and domain tiles."""
    return service.overview(current_app)


@bp.get("/real-time-data")
@require_role("viewer")
def get_real_time_data():
    """Answer what Socket.IO request_real_time_data answers (data_type, default overview)."""
    data_type = request.args.get("data_type", "overview").removesuffix("_monitoring")
    provider = snapshots(current_app).get(data_type)
    if provider is None:
        known = ", ".join(sorted(snapshots(current_app)))
        raise bad_request(f"data_type must be one of {known}", "data_type")
    return {"data_type": data_type, "data": provider()}


@bp.get("/statistics/weekly")
@require_role("viewer")
def get_weekly_statistics():
    """Count readings, alarms and incidents per day and domain over the last seven UTC days."""
    return service.weekly(current_app)


@bp.get("/latest")
@require_role("viewer")
def get_latest_of_key():
    """Latest value of one key for every device that has it (key=pm25), for map colouring."""
    key = request.args.get("key", "")
    if not KEY_PATTERN.match(key):
        raise bad_request("key must name a telemetry key", "key")
    return {"key": key, "values": service.latest_of_key(key)}
