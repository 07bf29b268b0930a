"""Typed access to the real-time objects an app holds (set once by realtime.setup.init_app)."""

from collections.abc import Callable

from flask_socketio import SocketIO

SOCKETIO = "smartcity.socketio"
SNAPSHOTS = "smartcity.snapshots"
PRINCIPALS = "smartcity.socket_principals"


def socketio_of(app) -> SocketIO:
    return app.extensions[SOCKETIO]


def snapshots(app) -> dict[str, Callable[[], dict]]:
    """data_type -> provider() for request_real_time_data (overview and each domain)."""
    return app.extensions.setdefault(SNAPSHOTS, {})


def principals(app) -> dict:
    """Socket.IO sid -> the principal who connected with it."""
    return app.extensions.setdefault(PRINCIPALS, {})
