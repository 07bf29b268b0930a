"""orjson for every JSON we write: HTTP responses (a Flask JSON provider) and Socket.IO frames
(python-socketio wants a module-like object with dumps and loads).

Every telemetry frame is encoded once per audience and decoded by every client, and every API
answer is encoded once; the standard library's encoder was a large share of both.
"""

import orjson
from flask.json.provider import DefaultJSONProvider, JSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


# What Flask's default provider does for the types orjson leaves to us (dates as HTTP dates,
# Decimal and UUID as strings, dataclasses, __html__).
_default = DefaultJSONProvider.default


def dumps(value, **_ignored) -> str:  # python-socketio passes separators=...
    return orjson.dumps(value, default=_default, option=_OPTIONS).decode()


def loads(text, **_ignored):
    return orjson.loads(text)


class OrjsonProvider(JSONProvider):
    """Flask's JSON with orjson: same output types as the default provider (keys sorted,
    dates as HTTP dates), compact."""

    def dumps(self, obj, **_kwargs) -> str:
        return orjson.dumps(obj, default=_default, option=_OPTIONS | orjson.OPT_SORT_KEYS).decode()

    def loads(self, s, **_kwargs):
        return orjson.loads(s)

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=_default,
                            option=_OPTIONS | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
        return self._app.response_class(body, mimetype="application/json")
