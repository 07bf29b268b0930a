"""Input of the environment endpoints. Errors name the offending parameter."""

from datetime import UTC, date, datetime, timedelta

from flask import current_app
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from smartcity.devices.models import DEVICE_ID_PATTERN
from smartcity.environment import aqi
from smartcity.environment.service import ENV_TYPES, POLLUTANT_KEYS
from smartcity.errors import bad_request
from smartcity.telemetry.points import KEY_PATTERN
from smartcity.timeutil import now_ms
from smartcity.validation import CommaList, DeviceIds, Keys, Time, TimeRange

CONCENTRATION = {"allow_nan": False, "validate": validate.Range(min=0, max=10 ** 9)}
EPA_PARAMS = aqi.EPA_POLLUTANTS
EAQI_PARAMS = ("pm25", "pm10", "no2", "so2", "o3")


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

    at = Time()


class TrendsSchema(Schema):
    days = fields.Integer(load_default=14, validate=validate.Range(2, 90))
    device_id = DeviceIds()
    pollutants = CommaList(choices=POLLUTANT_KEYS)
    at = Time()


class WeatherCompareSchema(Schema):
    device_id = DeviceIds()


class NoiseDaySchema(Schema):
    date = fields.Date()


class DataQuerySchema(TimeRange):
    device_id = DeviceIds()
    device_type = fields.String(validate=validate.OneOf(ENV_TYPES))
    keys = Keys()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    points = fields.Integer(load_default=100, validate=validate.Range(1, 5000))
    cursor = fields.String()


class ManualEntrySchema(Schema):
    device_id = fields.String(required=True, validate=validate.Regexp(DEVICE_ID_PATTERN))
    ts = Time()
    values = fields.Dict(keys=fields.String(validate=validate.Regexp(KEY_PATTERN)),
                         values=fields.Float(allow_nan=False), required=True,
                         validate=validate.Length(min=1, max=50))


calculator_schema = CalculatorSchema()
at_schema = AtSchema()
trends_schema = TrendsSchema()
noise_day_schema = NoiseDaySchema()
weather_compare_schema = WeatherCompareSchema()
data_query_schema = DataQuerySchema()
manual_entry_schema = ManualEntrySchema()


def entry_time(ts: int | None) -> int:
    """A manual entry's time: given (not ahead of the clock beyond the skew) or now."""
    now = now_ms()
    if ts is None:
        return now
    if ts > now + current_app.config["MAX_CLOCK_SKEW"] * 1000:
        raise bad_request("ts is in the future", "ts")
    return ts


def default_noise_day(tz) -> date:
    """Yesterday's noise day in the city's time (the last one that has ended)."""
    local = datetime.now(UTC).astimezone(tz)
    return (local - timedelta(days=1, hours=7)).date()
