"""Input of the analytics endpoints; a ValidationError answers 400 naming the field."""

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smartcity.devices.models import DEVICE_ID_PATTERN

METHODS = ("auto", "seasonal_naive", "holt_winters", "regression")
_DURATION = re.compile(r"^(\d+)\s*([hd]?)$")
MAX_HORIZON_H = 24 * 14


class Series(fields.List):
    def __init__(self, **kwargs):
        super().__init__(fields.Float(allow_nan=False, allow_none=False), **kwargs)


class EvaluateSchema(Schema):
    actual = Series(required=True, validate=validate.Length(min=1, max=100_000))
    predicted = Series(required=True, validate=validate.Length(min=1, max=100_000))
    parameters = fields.Integer(load_default=1, validate=validate.Range(0, 1000))
    seasonal_period = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    training = Series(load_default=None, allow_none=True,
                      validate=validate.Length(min=2, max=1_000_000))

    @validates_schema
    def _same_length(self, data, **kwargs):
        if len(data["actual"]) != len(data["predicted"]):
            raise ValidationError(
                f"has {len(data['predicted'])} values, actual has {len(data['actual'])}",
                "predicted")


class Hours(fields.Field):
    """A duration in whole hours: 24, "24h" or "2d"."""

    def _deserialize(self, value, attr, data, **kwargs):
        match = _DURATION.match(str(value).strip().lower())
        if not match:
            raise ValidationError('must be hours like "24h" or days like "2d"')
        hours = int(match.group(1)) * (24 if match.group(2) == "d" else 1)
        if not 1 <= hours <= MAX_HORIZON_H:
            raise ValidationError(f"must lie between 1 h and {MAX_HORIZON_H} h")
        return hours


class ForecastQuery(Schema):
    device_id = fields.String(required=True, validate=validate.Regexp(DEVICE_ID_PATTERN))
    key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    horizon = Hours(load_default=24)
    method = fields.String(load_default="auto", validate=validate.OneOf(METHODS))
    history_days = fields.Integer(load_default=None, validate=validate.Range(3, 366))
    backtest_days = fields.Integer(load_default=None, validate=validate.Range(1, 60))


class AccuracyQuery(Schema):
    device_id = fields.String(required=True, validate=validate.Regexp(DEVICE_ID_PATTERN))
    key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    days = fields.Integer(load_default=7, validate=validate.Range(1, 90))


class PredictiveQuery(Schema):
    hours = fields.Integer(load_default=24, validate=validate.Range(1, 48))


evaluate_schema = EvaluateSchema()
predictive_query = PredictiveQuery()
accuracy_query = AccuracyQuery()
forecast_query = ForecastQuery()
