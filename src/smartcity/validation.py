"""The schema toolkit: one way to load input and one error shape for what fails.

Every validation failure answers 400 {"error": {"code": "validation_error",
"message": "<field>: <problem>", "details": {"field": "<field>", "fields": {...}}}}, whether a
route calls load() or lets marshmallow's ValidationError reach the global handler.
"""

import re

from flask import current_app
from marshmallow import Schema, ValidationError, fields, post_load

from smartcity.devices.models import DEVICE_ID_PATTERN
from smartcity.errors import ApiError
from smartcity.security import egress
from smartcity.telemetry.points import KEY_PATTERN
from smartcity.timeutil import now_ms, parse_time

DEVICE_ID = re.compile(DEVICE_ID_PATTERN)


def first_problem(messages) -> tuple[str, str, str]:
    """(field, path, problem) of the first message.

    `field` is what the caller sent: a top-level field, or an entry of a map (values.pm25);
    `path` goes on into nested objects (location.lat) to say exactly where."""
    messages = messages if isinstance(messages, dict) else {"_schema": messages}
    field, problem = next(iter(messages.items()))
    field = path = str(field)
    while isinstance(problem, dict):
        key, problem = next(iter(problem.items()))
        if key in ("key", "value"):  # a Dict field nests these under the entry's key
            field = path
        elif key != "_schema" and key != path.rsplit(".", 1)[-1]:
            path = f"{path}.{key}"
            if isinstance(problem, dict) and set(problem) <= {"key", "value"}:
                field = path
    return field, path, problem[0] if isinstance(problem, list) else str(problem)


def validation_error(exc: ValidationError) -> ApiError:
    """The one 400 a failed validation answers."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    field, path, problem = first_problem(messages)
    return ApiError(400, "validation_error", f"{path}: {problem}",
                    {"field": field, "fields": messages})


INT64 = (-(2**63), 2**63 - 1)


def json_value_problem(value, path: str = "body") -> tuple[str, str] | None:
    """(path, problem) of the first value JSON can carry but storage cannot, else None.

    The one rule for everything stored from a request body: integers within int64 (PostgreSQL
    jsonb and BIGINT columns, and SQLite's INTEGER, hold no more), finite numbers, and no NUL
    in any string or key (PostgreSQL text cannot hold it)."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where, "must not contain NUL (\\u0000)"
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT64[0] <= item <= INT64[1]:
                return where, "integer out of range (64-bit signed)"
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                return where, "must be a finite number"
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    return where, "keys must not contain NUL (\\u0000)"
                stack.append((key if where == "body" else f"{where}.{key}", child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
    return None


def check_json_value(value, path: str = "body"):
    """Return `value` if storage can hold all of it, else raise the one validation error."""
    problem = json_value_problem(value, path)
    if problem is not None:
        where, what = problem
        field = where.split(".", 1)[0].split("[", 1)[0]
        raise ApiError(400, "validation_error", f"{where}: {what}",
                       {"field": field, "fields": {where: [what]}})
    return value


def load(schema: Schema, data) -> dict:
    """Load input with a schema; a failure is the one validation error."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


def load_value(field: fields.Field, value, name: str):
    """Deserialize one parameter read outside a schema, with the same error shape."""
    try:
        return field.deserialize(value, name)
    except ValidationError as exc:
        raise validation_error(ValidationError({name: exc.messages})) from None


def split(value) -> list[str]:
    """a, b,,c -> ["a", "b", "c"]."""
    return [v.strip() for v in str(value).split(",") if v.strip()]


class CommaList(fields.Field):
    """a,b,c -> ["a", "b", "c"], each matching `pattern` and among `choices` when given."""

    def __init__(self, pattern: re.Pattern | None = None, choices=None, **kwargs):
        super().__init__(**kwargs)
        self.pattern, self.choices = pattern, choices

    def _deserialize(self, value, attr, data, **kwargs):
        items = split(value)
        for item in items:
            if self.pattern is not None and not self.pattern.match(item):
                raise ValidationError(f"invalid value {item!r}")
            if self.choices is not None and item not in self.choices:
                raise ValidationError(f"must be among {', '.join(self.choices)}")
        return items


def Keys(**kwargs) -> CommaList:  # noqa: N802 - reads as a field class
    """Telemetry key names, comma-separated."""
    return CommaList(pattern=KEY_PATTERN, **kwargs)


def DeviceIds(**kwargs) -> CommaList:  # noqa: N802 - reads as a field class
    """Device ids, comma-separated."""
    return CommaList(pattern=DEVICE_ID, **kwargs)


class Time(fields.Field):
    """A time as the API accepts it everywhere (ISO 8601, epoch ms or -24h) -> epoch ms."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in (None, ""):
            return None
        try:
            return parse_time(value, attr or "time")
        except ApiError as exc:  # the one time parser says what is wrong; we say where
            raise ValidationError(exc.message) from None


class TimeRange(Schema):
    """start/end of a read (default the last day); end must be after start."""

    start = Time()
    end = Time()

    @post_load
    def default_to_the_last_day(self, data, **_kwargs):
        now = now_ms()
        data["start"] = parse_time("-24h", "start", now) if data.get("start") is None \
            else data["start"]
        data["end"] = now + 1 if data.get("end") is None else data["end"]
        if data["end"] <= data["start"]:
            raise ValidationError("must be after start", "end")
        return data


def public_url(url: str | None) -> None:
    """The egress rule at save time (security/egress.py): a URL the server may not reach
    (loopback, private, metadata... unless WEBHOOK_ALLOWED_TARGETS lets it) is a field error."""
    if url is None:
        return
    try:
        egress.check_url(url, egress.Policy.from_setting(
            current_app.config["WEBHOOK_ALLOWED_TARGETS"]))
    except egress.EgressRefused as exc:
        raise ValidationError(str(exc)) from None
