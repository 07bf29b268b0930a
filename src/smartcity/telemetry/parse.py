"""Parse device payloads (our JSON and SenML, RFC 8428) into Points, item by item.

orjson, not marshmallow: this is the hot path.
"""

import math

import orjson

from smartcity.telemetry.points import MAX_MAGNITUDE, Point, Rejection, encode_value, reading
from smartcity.timeutil import now_ms, parse_time

SENML_RELATIVE_LIMIT = 2**28  # RFC 8428 4.5.3: smaller times are relative to now (seconds)
SENML_VERSION = 10
SENML_VALUE_FIELDS = ("v", "vs", "vb", "vd")
_READING_FIELDS = frozenset(("ts", "values", "device_id"))


class PayloadError(Exception):
    """The whole body is unusable (bad JSON, wrong top-level shape, too many points)."""

    def __init__(self, code: str, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


def loads(raw: bytes):
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PayloadError("invalid_json", f"malformed JSON: {exc}") from None


def item_time(raw, now: int, max_skew_ms: int, field: str = "ts") -> int:
    """Resolve an item's timestamp (default: now) and refuse ones too far in the future."""
    if raw is None:
        return now
    if type(raw) is int and 0 <= raw <= now + max_skew_ms:
        return raw  # epoch ms, the common case: what parse_time would answer, sooner
    try:
        ts = parse_time(raw, field, now)
    except Exception as exc:  # ApiError from the shared parser, reported per item
        raise Rejection("invalid_timestamp", getattr(exc, "message", str(exc)), field) from None
    if ts > now + max_skew_ms:
        raise Rejection("future_timestamp",
                        f"timestamp more than {max_skew_ms // 1000}s ahead of server time", field)
    return ts


def reading_points(device_id: str, item, now: int, max_skew_ms: int) -> list[Point]:
    """One reading {"ts"?, "values": {...}} (or a plain object of values) of one device."""
    if not isinstance(item, dict):
        raise Rejection("invalid_item", "reading must be a JSON object", None)
    if "values" in item:
        values = item["values"]
        if not isinstance(values, dict):
            raise Rejection("invalid_values", "values must be an object", "values")
        extra = len(item) > 1 and set(item) - _READING_FIELDS
        if extra:
            raise Rejection("unknown_field", f"unknown field {sorted(extra)[0]}", sorted(extra)[0])
    else:  # ThingsBoard-style plain object of values (device_id names a batch item's device)
        values = {k: v for k, v in item.items() if k not in ("ts", "device_id")}
    if not values:
        raise Rejection("empty_values", "no values", "values")
    return reading(device_id, item_time(item.get("ts"), now, max_skew_ms), values)


def json_readings(device_id: str, body, max_skew_ms: int, now: int | None = None):
    """Yield (index, points | Rejection) for a single reading or an array of readings."""
    now = now_ms() if now is None else now
    items = body if isinstance(body, list) else [body]
    if not items:
        raise PayloadError("empty_payload", "no readings")
    for index, item in enumerate(items):
        try:
            yield index, reading_points(device_id, item, now, max_skew_ms)
        except Rejection as rejection:
            yield index, rejection


def senml_points(device_id: str, pack, max_skew_ms: int, now: int | None = None):
    """Yield (index, [Point] | Rejection) per SenML record, resolving base fields (RFC 8428 4.6).

    The base name, when present, must name this device ("<id>" or "<id>:") and is stripped;
    the remaining name is the key.
    """
    now = now_ms() if now is None else now
    if not isinstance(pack, list) or not pack:
        raise PayloadError("invalid_senml", "SenML pack must be a non-empty JSON array")
    base = {"bn": "", "bt": 0.0, "bv": 0.0, "bs": 0.0, "bver": SENML_VERSION}
    for index, record in enumerate(pack):
        try:
            if not isinstance(record, dict):
                raise Rejection("invalid_record", "SenML record must be an object")
            _update_base(base, record)
            yield index, [_senml_point(device_id, base, record, now, max_skew_ms)]
        except Rejection as rejection:
            yield index, rejection


def _update_base(base: dict, record: dict) -> None:
    # Unknown fields are ignored (RFC 8428 4.4) unless they end in "_" (must-understand).
    for field in record:
        if field.endswith("_"):
            raise Rejection("unsupported_field", f"must-understand field {field}", field)
    if "bn" in record:
        if not isinstance(record["bn"], str):
            raise Rejection("invalid_record", "bn must be a string", "bn")
        base["bn"] = record["bn"]
    for field in ("bt", "bv", "bs"):
        if field in record:
            base[field] = _number(record[field], field)
    if "bver" in record:
        version = record["bver"]
        if not isinstance(version, int) or isinstance(version, bool) or version > SENML_VERSION:
            raise Rejection("unsupported_version", f"bver must be <= {SENML_VERSION}", "bver")
        base["bver"] = version


def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Rejection("invalid_record", f"{field} must be a finite number", field)
    return float(value)


def _senml_point(device_id, base, record, now, max_skew_ms) -> Point:
    bn = base["bn"]
    if bn and bn not in (device_id, device_id + ":"):
        raise Rejection("wrong_device", f"bn must be '{device_id}' or '{device_id}:'", "bn")
    name = record.get("n", "")
    if not isinstance(name, str):
        raise Rejection("invalid_record", "n must be a string", "n")
    if not bn and name.startswith(device_id + ":"):
        name = name[len(device_id) + 1:]  # a full SenML name "<id>:<key>" without bn
    if not name:
        raise Rejection("invalid_key", "record has no name", "n")
    present = [f for f in SENML_VALUE_FIELDS if f in record]
    if len(present) > 1:
        raise Rejection("invalid_record", "only one of v, vs, vb, vd allowed", present[1])
    if present:
        field = present[0]
        raw = record[field]
        if field == "v":
            raw = _number(raw, "v") + base["bv"]
        elif field == "vb" and not isinstance(raw, bool):
            raise Rejection("invalid_record", "vb must be a boolean", "vb")
        elif field in ("vs", "vd") and not isinstance(raw, str):
            raise Rejection("invalid_record", f"{field} must be a string", field)
    elif "s" in record:
        field, raw = "s", _number(record["s"], "s") + base["bs"]
    else:
        raise Rejection("no_value", "record has neither a value nor a sum", "v")
    if field in ("v", "s") and not -MAX_MAGNITUDE <= raw <= MAX_MAGNITUDE:
        raise Rejection("value_out_of_range", f"{field} must be within +/-{MAX_MAGNITUDE:.0e}",
                        field)  # named here: encode_value would name the key's field, "n"
    seconds = base["bt"] + (_number(record["t"], "t") if "t" in record else 0.0)
    if seconds < SENML_RELATIVE_LIMIT:
        seconds = now / 1000 + seconds
    ts = item_time(round(seconds * 1000), now, max_skew_ms, "t")
    number, text = encode_value(name, raw, "n")
    return Point(device_id, name, ts, number, text)
