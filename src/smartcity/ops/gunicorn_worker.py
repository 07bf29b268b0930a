"""The gthread worker of gunicorn.conf.py, answering gunicorn's own errors in the API's shape.

gunicorn refuses some requests before the application sees them: a request line longer than
`limit_request_line` (414), too many or too large header fields (431), a malformed request line,
method, version or header (400), and a few rarer ones. `Worker.handle_error` logs them, writes
the access-log line and answers with `util.write_error`, an HTML page. The subclass lets gunicorn
do all of that (so its choice of status and its logging stay its own), catches the bytes it
would send, and sends `{"error": {"code", "message", "details"}}` with the same status instead.
"""

import re

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
}
_STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)")


class _Captured:
    """Stands in for the client socket while gunicorn writes its error page."""

    def __init__(self, sock):
        self.sock = sock
        self.data = b""

    def gettimeout(self):
        return 0.0  # util.write_nonblock then writes without touching the real socket's mode

    def sendall(self, data):
        self.data += data

    def __getattr__(self, name):
        return getattr(self.sock, name)


def error_body(status: int, reason: str, cfg) -> bytes:
    messages = {
        414: f"request line longer than {cfg.limit_request_line} bytes",
        431: (f"more than {cfg.limit_request_fields} header fields, or one longer than "
              f"{cfg.limit_request_field_size} bytes"),
        400: "malformed HTTP request",
        500: "internal server error",
    }
    message = messages.get(status, reason.lower() or "request refused")
    code = CODES.get(status, "http_error")
    return (b'{"error":{"code":"%s","message":"%s","details":{}}}'
            % (code.encode(), message.replace('"', "'").encode("latin-1", "replace")))


def json_error(status: int, reason: str, cfg) -> bytes:
    body = error_body(status, reason, cfg)
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nCache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class JsonErrorWorker(ThreadWorker):
    """gunicorn's gthread worker whose own error answers are JSON."""

    def handle_error(self, req, client, addr, exc):
        captured = _Captured(client)
        super().handle_error(req, captured, addr, exc)
        match = _STATUS.match(captured.data)
        if not match:  # nothing written (or a format this code does not know): send it as is
            if captured.data:
                util.write_nonblock(client, captured.data)
            return
        status, reason = int(match.group(1)), match.group(2).decode("latin-1")
        try:
            util.write_nonblock(client, json_error(status, reason, self.cfg))
        except Exception:  # the client went away, as gunicorn's own write_error tolerates
            self.log.debug("Failed to send error message.")
