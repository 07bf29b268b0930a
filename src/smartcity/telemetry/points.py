"""The unit of ingest: one value of one key of one device at one time, and item validation."""

import math
import re
from typing import NamedTuple

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}\Z")  # not "$", which admits a final "\n"
MAX_TEXT = 1024
# Numbers beyond this are refused: a rollup bucket sums every value of its (device, key) in an
# hour, and at most 3.6 million of these (one per ms) stay far below a double's 1.8e308, so no
# sum can overflow and fail a group commit that holds other devices' readings.
MAX_MAGNITUDE = 1e15
_VALID_KEYS: set[str] = set()  # a fleet uses few key names: match each once, not per reading
_VALID_KEYS_MAX = 10_000


class Point(NamedTuple):
    device_id: str
    key: str
    ts: int  # UTC epoch ms
    value: float | None  # numbers and booleans (as 0/1)
    text: str | None  # strings, and "true"/"false" beside a boolean's 0/1


class Rejection(Exception):
    """One ingest item is invalid; the others in the request still count."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field

    def as_item(self, index: int, device_id: str | None = None) -> dict:
        item = {"index": index,
                "error": {"code": self.code, "message": self.message, "field": self.field}}
        if device_id is not None:
            item["device_id"] = device_id
        return item


def encode_value(key: str, value, field: str) -> tuple[float | None, str | None]:
    """Split a JSON value into the (value, text_value) columns."""
    if key not in _VALID_KEYS:
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise Rejection("invalid_key", "key must match ^[A-Za-z0-9_.-]{1,64}$", field)
        if len(_VALID_KEYS) < _VALID_KEYS_MAX:
            _VALID_KEYS.add(key)
    if isinstance(value, bool):
        return (1.0 if value else 0.0), ("true" if value else "false")
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise Rejection("invalid_value", "value must be finite", field)
        if not -MAX_MAGNITUDE <= number <= MAX_MAGNITUDE:
            raise Rejection("value_out_of_range",
                            f"value must be within +/-{MAX_MAGNITUDE:.0e}", field)
        return number, None
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise Rejection("invalid_value", f"text longer than {MAX_TEXT}", field)
        if "\x00" in value:  # PostgreSQL text cannot hold it: the whole commit would fail
            raise Rejection("invalid_value", "text must not contain NUL (\\u0000)", field)
        return None, value
    raise Rejection("invalid_value", "value must be a number, boolean or string", field)


def reading(device_id: str, ts: int, values: dict) -> list[Point]:
    """The points of one reading: {key: value} of one device at one time."""
    points = []
    append, new = points.append, tuple.__new__  # skips NamedTuple's keyword-taking __new__
    for key, value in values.items():
        kind = type(value)
        # Fast path for the common case: a known-good key and a number in range (NaN fails it).
        if key in _VALID_KEYS and (kind is float or kind is int) and (
                -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE):
            append(new(Point, (device_id, key, ts, float(value), None)))
        else:
            number, text = encode_value(key, value, f"values.{key}")
            append(new(Point, (device_id, key, ts, number, text)))
    return points


def decode_value(value: float | None, text: str | None):
    """Inverse of encode_value, for answers."""
    if text is None:
        return value
    if value is None:
        return text
    return text == "true"
