"""Request helpers shared by every blueprint."""

import orjson
from flask import request
from flask.sessions import SessionInterface
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

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
    from smartcity.validation import check_json_value  # validation imports models: no cycle

    return check_json_value(body)


def dumped_as(schema):
    """Mark a serializer (model -> dict) with the marshmallow schema its output follows. The
    OpenAPI document gives it as the response of every view that returns the serializer's
    result (or a page of them); the OpenAPI fuzz checks every answer against it."""

    def mark(serializer):
        serializer.response_schema = schema
        return serializer

    return mark


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


class BoundedInt(IntegerConverter):
    """`<int:...>` limited to what an INTEGER id column holds: a larger id is no row (404),
    not a database error (PostgreSQL refuses to compare an int4 column with 2**31)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, 2**31 - 1 if max is None else max, signed)

    def to_python(self, value: str) -> int:
        # A 404 here, not werkzeug's "no match": that would answer 405 to DELETE
        # /api/users/4294967296, because the GET rule of the same path was seen first.
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def refuse_nul():
    """Before each request: NUL anywhere in the path or query is a 400, never a 500 later."""
    if "\x00" in request.path:
        raise bad_request("the path must not contain NUL (\\u0000)", "path")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise bad_request(f"{name.replace(chr(0), '')}: must not contain NUL (\\u0000)",
                              name.replace("\x00", ""))


def init_app(app):
    app.url_map.converters["int"] = BoundedInt
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul)
