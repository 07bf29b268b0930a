"""Input of the energy endpoints; a failure answers the one validation error naming the field.

start/end are read by telemetry.params.time_range (ISO 8601, epoch ms or -24h)."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

GROUPS = ("district", "sector", "meter", "feeder")
INTERVALS = ("1h", "1d", "1mo")
MAX_RANGE_DAYS = 93


class Query(Schema):
    class Meta:
        unknown = EXCLUDE  # start and end are read apart


class RangeQuery(Query):
    interval = fields.String(load_default="1h", validate=validate.OneOf(INTERVALS))
    group_by = fields.String(load_default="district", validate=validate.OneOf(GROUPS))


class CarbonQuery(Query):
    interval = fields.String(load_default="1d", validate=validate.OneOf(INTERVALS))


class CostQuery(Query):
    group_by = fields.String(load_default="district", validate=validate.OneOf(GROUPS))
    flexible_share = fields.Float(allow_nan=False, validate=validate.Range(0, 1))


class History(Query):
    hours = fields.Integer(load_default=24, validate=validate.Range(1, 72))
    history_days = fields.Integer(load_default=21, validate=validate.Range(3, 60))
    backtest_days = fields.Integer(load_default=7, validate=validate.Range(1, 14))

    @validates_schema
    def leaves_training(self, data, **_kwargs):
        if data["history_days"] - data["backtest_days"] < 2:
            raise ValidationError("leave at least two days of history before the backtest",
                                  "backtest_days")


class ForecastQuery(History):
    feeder_id = fields.String()


class BalancingQuery(History):
    flexible_share = fields.Float(allow_nan=False, validate=validate.Range(0, 1))


class UsageQuery(Query):
    days = fields.Integer(load_default=7, validate=validate.Range(1, 31))
    group_by = fields.String(load_default="sector", validate=validate.OneOf(GROUPS))


class MeterUsageQuery(Query):
    days = fields.Integer(load_default=7, validate=validate.Range(1, 31))
    baseline_days = fields.Integer(load_default=21, validate=validate.Range(7, 90))


class DispatchSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(("charge", "discharge")))
    power_kw = fields.Float(required=True, allow_nan=False,
                            validate=validate.Range(0, 10_000, min_inclusive=False))
    duration_s = fields.Integer(strict=True, load_default=3600, validate=validate.Range(60, 86_400))
    timeout_s = fields.Integer(strict=True, load_default=300, validate=validate.Range(10, 86_400))


range_query, carbon_query, cost_query = RangeQuery(), CarbonQuery(), CostQuery()
forecast_query, balancing_query = ForecastQuery(), BalancingQuery()
usage_query, meter_usage_query, dispatch_schema = UsageQuery(), MeterUsageQuery(), DispatchSchema()
