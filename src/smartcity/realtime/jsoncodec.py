"""orjson behind the interface python-socketio expects of a json module (dumps, loads).

Every telemetry frame is encoded once per audience and decoded by every client; the standard
library's encoder was a large share of the server's CPU per delivery.
"""

from decimal import Decimal

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def _default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value, **_ignored) -> str:  # python-socketio passes separators=...
    return orjson.dumps(value, default=_default, option=_OPTIONS).decode()


def loads(text, **_ignored):
    return orjson.loads(text)
