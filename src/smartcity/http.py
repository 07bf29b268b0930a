"""Request helpers shared by every blueprint."""

import orjson
from flask import request
from flask.sessions import SessionInterface

from smartcity.errors import ApiError, bad_request


def json_body(expect=dict):
    """Parse the request body as JSON of the expected type, or raise a 400."""
    raw = request.get_data(cache=True)
    if not raw:
        raise ApiError(400, "invalid_json", "request body must be JSON")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"malformed JSON: {exc}") from None
    if expect is not None and not isinstance(body, expect):
        raise bad_request(f"body must be a JSON {'object' if expect is dict else 'array'}",
                          "body")
    return body


def flag(name: str) -> bool:
    return request.args.get(name, "").lower() in ("1", "true", "yes")


def search_pattern(q: str) -> str:
    """A LIKE pattern matching `q` literally anywhere (use with escape="\\\\")."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class NoCookieSessions(SessionInterface):
    """Every request authenticates by token: no cookie session is read or written. Flask's
    default would build a signing serializer and look for a cookie on every request."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response) -> None:
        return None


def no_store(response):
    """After-request hook for answers carrying tokens or keys: never cached (RFC 6749 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
