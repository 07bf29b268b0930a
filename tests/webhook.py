"""A real webhook receiver (a pytest plugin): an HTTP server on a free local port that records
every POST and answers as scripted. Fixture: receiver."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


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
