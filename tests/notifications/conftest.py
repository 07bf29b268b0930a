"""Real outside parties for notification tests: an HTTP webhook receiver and an SMTP server
(tests/smtp.py)."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from smartcity.notifications.dispatcher import get_dispatcher
from smartcity.notifications.models import NotificationDelivery


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """Records every POST; answers from `script` [(status, headers, delay_s)], then 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, float]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def answer(self, *statuses, headers=None, delay=0.0) -> None:
        self.script += [(s, headers or {}, delay) for s in statuses]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.requests

    def _handler(receiver):  # noqa: N805 - the handler class closes over the receiver
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "body": body, "headers": {
                    k.lower(): v for k, v in self.headers.items()}})
                status, headers, delay = (receiver.script.pop(0) if receiver.script
                                          else (200, {}, 0.0))
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "7")
                    self.end_headers()
                    self.wfile.write(b"thanks!")
                except OSError:  # the client gave up (timeout tests)
                    pass

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def dispatcher(app):
    return get_dispatcher(app)


def make_alarm(**fields) -> dict:
    alarm = {"id": 7, "originator_type": "device", "originator_id": "aq-1",
             "type": "pm25_high", "severity": "major", "status": "active_unack",
             "domain": "environment", "details": {"key": "pm25", "threshold": 50},
             "value": 61.5, "peak_value": 72.0, "count": 3,
             "first_seen": "2026-11-23T10:00:00.000Z", "last_seen": "2026-11-23T10:02:00.000Z"}
    return {**alarm, **fields}


def make_rule(**notify) -> dict:
    return {"id": 3, "name": "PM2.5 above 50", "severity": "major", "notify": notify}


@pytest.fixture
def notify(app, dispatcher):
    """Deliver an alarm event to the notification listener, as the alerts service does."""

    def emit(action="created", alarm=None, rule=None):
        with app.app_context():
            dispatcher.on_alarm(action, alarm or make_alarm(), rule)

    return emit


@pytest.fixture
def deliveries(app):
    """The delivery rows, oldest first, as fresh objects."""

    def read():
        from smartcity.extensions import db

        with app.app_context():
            rows = db.session.scalars(select(NotificationDelivery)
                                      .order_by(NotificationDelivery.id)).all()
            db.session.expunge_all()
            return rows

    return read
