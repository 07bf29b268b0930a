"""Wire Socket.IO into an app: server, emitter, telemetry and connectivity pushes, snapshots."""

from collections import defaultdict
from operator import itemgetter

from flask_socketio import SocketIO
from sqlalchemy import func, select

from smartcity import jsoncodec
from smartcity.devices import events
from smartcity.devices import service as devices
from smartcity.devices.models import Device
from smartcity.domains import alert_event_domains
from smartcity.extensions import db
from smartcity.realtime import handlers
from smartcity.realtime.emitter import BatchingRedisManager, Emitter, get_emitter
from smartcity.realtime.registry import SOCKETIO, principals, snapshots
from smartcity.telemetry.pipeline import pipeline_of
from smartcity.telemetry.points import decode_value
from smartcity.timeutil import now_ms


def init_app(app) -> SocketIO:
    socketio = SocketIO()
    origins = app.config["CORS_ORIGINS"] or None  # None: same origin only
    queue = None
    if app.config.get("REDIS_URL"):
        queue = BatchingRedisManager(app.config["REDIS_URL"],
                                     channel=app.config["SOCKETIO_CHANNEL"], json=jsoncodec)
    socketio.init_app(app, async_mode="threading", path="socket.io", client_manager=queue,
                      cors_allowed_origins=origins, logger=False, engineio_logger=False,
                      json=jsoncodec)
    app.wsgi_app = SocketIOPathOnly(app.wsgi_app)
    app.extensions[SOCKETIO] = socketio
    principals(app).clear()
    snapshots(app)["overview"] = lambda: overview_snapshot(app)
    emitter = Emitter(socketio)
    if queue is not None:
        queue.deliver = emitter.deliver
    app.extensions["smartcity.emitter"] = emitter
    handlers.register(socketio)

    pipeline_of(app).add_hook(lambda points: push_telemetry(emitter, points))
    events.add_listener(app, "connectivity", lambda device, before: emitter.emit(
        "system_update", {"kind": "connectivity", "device_id": device["id"],
                          "connectivity": device["connectivity"], "previous": before,
                          "domain": device["domain"], "ts": now_ms()}, "public"))
    events.add_listener(app, "command", lambda command: emitter.emit(
        "command", command, f"device:{command['device_id']}"))
    events.add_listener(app, "attributes", lambda attrs: emitter.emit(
        "attributes", attrs, f"device:{attrs['device_id']}"))
    return socketio


class SocketIOPathOnly:
    """Route only /socket.io/ requests through Flask-SocketIO's middleware. On every other
    request it copies the WSGI environ and, under gunicorn, defines a class for eventlet's sake
    (python-engineio): ~5 % of a single-reading post's CPU, for nothing."""

    def __init__(self, middleware):
        self.middleware = middleware
        self.prefix = middleware.engineio_path  # "/socket.io/"

    def __call__(self, environ, start_response):
        if (environ.get("PATH_INFO") or "").startswith(self.prefix):
            return self.middleware(environ, start_response)
        # read at call time: socketio.run(debug=True) wraps the inner app after init_app
        return self.middleware.wsgi_app(environ, start_response)


def push_telemetry(emitter: Emitter, points) -> None:
    """After commit: one {device_id, ts, values} item per device and timestamp, for devices
    someone watches."""
    watched = {d for d in set(map(itemgetter(0), points))
               if emitter.has_audience(f"device:{d}")}
    if not watched:
        return
    readings: dict[tuple[str, int], dict] = defaultdict(dict)
    for p in points:
        if p.device_id in watched:
            readings[(p.device_id, p.ts)][p.key] = decode_value(p.value, p.text)
    for (device_id, ts), values in readings.items():
        emitter.push("telemetry", f"device:{device_id}",
                     {"device_id": device_id, "ts": ts, "values": values})


def publish_alert(app, action: str, alarm: dict) -> None:
    """Push an alarm change at once to the alerts room and matching subscribers."""
    emitter = get_emitter(app)
    if emitter is None:
        return
    payload = {"action": action, "alarm": alarm}
    emitter.emit("alert", payload, handlers.alert_rooms(alarm))
    domain = alarm.get("domain")
    if domain in alert_event_domains(app):
        severity = alarm.get("severity")
        emitter.emit(f"{domain}_alert", payload,
                     [domain, f"{handlers.ALERT_ROOM_PREFIX}{severity}:{domain}"])


def overview_snapshot(app) -> dict:
    online = db.session.scalar(select(func.count()).select_from(Device)
                               .where(devices.online_clause()))
    total = db.session.scalar(select(func.count()).select_from(Device))
    pipeline = pipeline_of(app)
    stats = pipeline.stats
    return {"devices": {"total": total, "online": online, "offline": total - online},
            "ingest": {"points_stored": stats["points_stored"], "batches": stats["batches"],
                       "queue_depth": pipeline.depth()},
            "ts": now_ms()}
