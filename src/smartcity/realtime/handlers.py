"""Socket.IO event handlers: connect with a token, rooms, alert subscriptions, snapshots."""

import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, emit, join_room, leave_room, rooms

from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.realtime.registry import principals, snapshots
from smartcity.realtime.rooms import SEVERITIES, normalise_room, normalise_severities

log = logging.getLogger(__name__)
ALERT_ROOM_PREFIX = "alerts:"


def _principals() -> dict:
    return principals(current_app)


def _error(event: str, message: str) -> dict:
    emit("error", {"event": event, "message": message})
    return {"ok": False, "error": message}


def register(socketio) -> None:
    @socketio.on("connect")
    def connect(auth):
        from smartcity.auth.guard import principal_from_token

        token = auth.get("token") if isinstance(auth, dict) else None
        if not token:
            raise ConnectionRefusedError("token required")
        try:
            principal = principal_from_token(token)
        except ApiError as exc:
            raise ConnectionRefusedError(exc.message) from None
        finally:
            db.session.remove()
        _principals()[request.sid] = principal
        join_room("public")
        emit("connected", {"sid": request.sid, "role": principal.role, "user": principal.name})

    @socketio.on("disconnect")
    def disconnect(*_args):
        _principals().pop(request.sid, None)

    @socketio.on("join_room")
    def on_join_room(data):
        room = normalise_room((data or {}).get("room") if isinstance(data, dict) else data)
        if room is None:
            return _error("join_room", "unknown room")
        join_room(room)
        return {"ok": True, "room": room}

    @socketio.on("leave_room")
    def on_leave_room(data):
        room = normalise_room((data or {}).get("room") if isinstance(data, dict) else data)
        if room is None or room == "public":
            return _error("leave_room", "unknown room")
        leave_room(room)
        return {"ok": True, "room": room}

    @socketio.on("subscribe_alerts")
    def subscribe_alerts(data):
        data = data if isinstance(data, dict) else {}
        try:
            severities = normalise_severities(data.get("severity_levels")) or set(SEVERITIES)
        except ValueError as exc:
            return _error("subscribe_alerts", str(exc))
        modules = data.get("modules") or ["*"]
        if not isinstance(modules, list):
            return _error("subscribe_alerts", "modules must be a list")
        modules = [str(m).removesuffix("_monitoring") for m in modules]
        for room in rooms():
            if room.startswith(ALERT_ROOM_PREFIX):
                leave_room(room)
        for severity in severities:
            for module in modules:
                join_room(f"{ALERT_ROOM_PREFIX}{severity}:{module}")
        return {"ok": True, "severity_levels": sorted(severities), "modules": modules}

    @socketio.on("request_real_time_data")
    def request_real_time_data(data):
        data_type = (data or {}).get("data_type") if isinstance(data, dict) else data
        provider = snapshots(current_app).get(
            str(data_type).removesuffix("_monitoring"))
        if provider is None:
            return _error("request_real_time_data", f"unknown data_type {data_type!r}")
        try:
            payload = {"data_type": data_type, "data": provider()}
        finally:
            db.session.remove()
        emit("real_time_data", payload)
        return {"ok": True}


def alert_rooms(alarm: dict) -> list[str]:
    """Every room an alarm goes to: the alerts room and matching subscriptions."""
    severity, domain = alarm.get("severity"), alarm.get("domain") or "system"
    return ["alerts", f"{ALERT_ROOM_PREFIX}{severity}:*", f"{ALERT_ROOM_PREFIX}{severity}:{domain}"]
