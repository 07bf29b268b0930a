"""Input of the environment endpoints. Errors name the offending parameter."""

import re
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from smartcity.devices.models import DEVICE_ID_PATTERN
from smartcity.environment import aqi
from smartcity.environment.service import ENV_TYPES, POLLUTANT_KEYS
from smartcity.errors import bad_request
from smartcity.telemetry.points import KEY_PATTERN
from smartcity.timeutil import now_ms, parse_time

DEVICE_ID = re.compile(DEVICE_ID_PATTERN)
CONCENTRATION = {"allow_nan": False, "validate": validate.Range(min=0, max=10 ** 9)}
EPA_PARAMS = aqi.EPA_POLLUTANTS
EAQI_PARAMS = ("pm25", "pm10", "no2", "so2", "o3")


class CommaList(fields.Field):
    """a,b,c -> ["a", "b", "c"], each matching `pattern`."""

    def __init__(self, pattern=None, choices=None, **kwargs):
        super().__init__(**kwargs)
        self.pattern, self.choices = pattern, choices

    def _deserialize(self, value, attr, data, **kwargs):
        items = [v.strip() for v in str(value).split(",") if v.strip()]
        for item in items:
            if self.pattern is not None and not self.pattern.match(item):
                raise ValidationError(f"invalid value {item!r}")
            if self.choices is not None and item not in self.choices:
                raise ValidationError(f"must be among {', '.join(self.choices)}")
        return items


class CalculatorSchema(Schema):
    """GET /aqi: concentrations (EPA: ppm/ppb/µg/m³ as the TAD tabulates; EAQI: µg/m³)."""

    standard = fields.String(load_default="epa", validate=validate.OneOf(("epa", "eaqi")))
    pm25 = fields.Decimal(**CONCENTRATION)
    pm10 = fields.Decimal(**CONCENTRATION)
    o3_8h = fields.Decimal(**CONCENTRATION)
    o3_1h = fields.Decimal(**CONCENTRATION)
    o3 = fields.Decimal(**CONCENTRATION)
    co = fields.Decimal(**CONCENTRATION)
    so2 = fields.Decimal(**CONCENTRATION)
    no2 = fields.Decimal(**CONCENTRATION)

    @validates_schema
    def fits_the_standard(self, data, **_kwargs):
        given = [p for p in (*EPA_PARAMS, "o3") if p in data]
        if data["standard"] == "epa":
            if "o3" in data:
                raise ValidationError("EPA ozone is o3_8h and/or o3_1h, in ppm", "o3")
        else:
            for name in given:
                if name in ("co", "o3_8h"):
                    raise ValidationError("not part of the EAQI (hourly PM2.5, PM10, NO2, O3, "
                                          "SO2 in µg/m³)", name)
            if "o3" in data and "o3_1h" in data:
                raise ValidationError("give o3 or o3_1h, not both", "o3_1h")
        if not given:
            allowed = EPA_PARAMS if data["standard"] == "epa" else EAQI_PARAMS
            raise ValidationError(f"give at least one of {', '.join(allowed)}", allowed[0])


class AtSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    at = fields.Raw()


class TrendsSchema(Schema):
    days = fields.Integer(load_default=14, validate=validate.Range(2, 90))
    device_id = CommaList(pattern=DEVICE_ID)
    pollutants = CommaList(choices=POLLUTANT_KEYS)
    at = fields.Raw()


class NoiseDaySchema(Schema):
    date = fields.Date()


class DataQuerySchema(Schema):
    device_id = CommaList(pattern=DEVICE_ID)
    device_type = fields.String(validate=validate.OneOf(ENV_TYPES))
    keys = CommaList(pattern=KEY_PATTERN)
    start = fields.Raw()
    end = fields.Raw()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    points = fields.Integer(load_default=100, validate=validate.Range(1, 5000))
    cursor = fields.String()


class ManualEntrySchema(Schema):
    device_id = fields.String(required=True, validate=validate.Regexp(DEVICE_ID_PATTERN))
    ts = fields.Raw()
    values = fields.Dict(keys=fields.String(validate=validate.Regexp(KEY_PATTERN)),
                         values=fields.Float(allow_nan=False), required=True,
                         validate=validate.Length(min=1, max=50))


calculator_schema = CalculatorSchema()
at_schema = AtSchema()
trends_schema = TrendsSchema()
noise_day_schema = NoiseDaySchema()
data_query_schema = DataQuerySchema()
manual_entry_schema = ManualEntrySchema()


def load(schema: Schema, data) -> dict:
    """Load, turning the first error into a 400 that names its parameter."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        field, problem = next(iter(messages.items()))
        while isinstance(problem, dict):  # nested: values.pm25 (a Dict adds "key"/"value")
            key, problem = next(iter(problem.items()))
            field = field if key in ("key", "value") else f"{field}.{key}"
        text = problem[0] if isinstance(problem, list) else str(problem)
        raise bad_request(f"{field}: {text}", field) from None


def optional_time(value, field: str) -> int | None:
    return None if value in (None, "") else parse_time(value, field)


def entry_time(value) -> int:
    """A manual entry's time: given (not ahead of the clock beyond the skew) or now."""
    now = now_ms()
    if value in (None, ""):
        return now
    ts = parse_time(value, "ts", now)
    if ts > now + current_app.config["MAX_CLOCK_SKEW"] * 1000:
        raise bad_request("ts is in the future", "ts")
    return ts


def default_noise_day(tz) -> date:
    """Yesterday's noise day in the city's time (the last one that has ended)."""
    local = datetime.now(UTC).astimezone(tz)
    return (local - timedelta(days=1, hours=7)).date()
