"""Input of the water endpoints; a ValidationError answers 400 naming the field."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smartcity.validation import Time
from smartcity.water import leakage

NUMBER = {"allow_nan": False}
NON_NEGATIVE = validate.Range(min=0)


class LeakAnalysisSchema(Schema):
    min_night_flow_m3h = fields.Float(required=True, validate=NON_NEGATIVE, **NUMBER)
    population = fields.Float(required=True, validate=NON_NEGATIVE, **NUMBER)
    active_fraction = fields.Float(load_default=leakage.DEFAULT_ACTIVE_FRACTION,
                                   validate=validate.Range(0, 1), **NUMBER)
    per_person_night_use_lph = fields.Float(
        load_default=leakage.DEFAULT_PER_PERSON_NIGHT_USE_LPH, validate=NON_NEGATIVE, **NUMBER)
    non_household_users = fields.Float(load_default=0, validate=NON_NEGATIVE, **NUMBER)
    non_household_use_lph = fields.Float(load_default=0, validate=NON_NEGATIVE, **NUMBER)
    hour_day_factor = fields.Float(validate=validate.Range(0, 48), **NUMBER)
    # or derive the hour-day factor from a 24-hour pressure profile (FAVAD)
    pressure_profile = fields.List(fields.Float(validate=NON_NEGATIVE, **NUMBER),
                                   validate=validate.Length(equal=24))
    night_hour = fields.Integer(validate=validate.Range(0, 23))
    n1 = fields.Float(load_default=leakage.DEFAULT_N1, validate=validate.Range(0.1, 3.0),
                      **NUMBER)

    @validates_schema
    def one_factor(self, data, **_kwargs):
        if "hour_day_factor" in data and "pressure_profile" in data:
            raise ValidationError("give hour_day_factor or pressure_profile, not both",
                                  "hour_day_factor")


class IliSchema(Schema):
    carl_m3_per_day = fields.Float(required=True, validate=NON_NEGATIVE, **NUMBER)
    mains_km = fields.Float(required=True, validate=NON_NEGATIVE, **NUMBER)
    service_connections = fields.Float(required=True, validate=NON_NEGATIVE, **NUMBER)
    private_pipe_km = fields.Float(load_default=0.0, validate=NON_NEGATIVE, **NUMBER)
    avg_pressure_m = fields.Float(required=True, validate=NON_NEGATIVE, **NUMBER)


class ConsumptionQuerySchema(Schema):
    start = Time()
    end = Time()
    interval = fields.String(load_default="day",
                             validate=validate.OneOf(("hour", "day", "week", "month")))


class CustomerConsumptionQuerySchema(Schema):
    start = Time()
    end = Time()
    interval = fields.String(load_default="day",
                             validate=validate.OneOf(("day", "week", "month")))
    dma = fields.String(validate=validate.Length(1, 64))


class LeaksQuerySchema(Schema):
    night = Time()  # any time in the night's day: its midnight (UTC) is taken


class AtQuerySchema(Schema):
    at = Time()


class IsolateSchema(Schema):
    dma = fields.String(required=True, validate=validate.Length(1, 64))
    action = fields.String(load_default="close", validate=validate.OneOf(("close", "open")))
    reason = fields.String(validate=validate.Length(max=500))
    timeout_s = fields.Integer(strict=True, load_default=300,
                               validate=validate.Range(10, 86_400))


class IsolationQuerySchema(Schema):
    dma = fields.String(validate=validate.Length(1, 64))
    limit = fields.Raw()  # checked by pagination.paginate
    cursor = fields.Raw()


class PeriodQuerySchema(Schema):
    start = Time()
    end = Time()


leak_analysis_schema = LeakAnalysisSchema()
period_query_schema = PeriodQuerySchema()
at_query_schema = AtQuerySchema()
isolate_schema = IsolateSchema()
isolation_query_schema = IsolationQuerySchema()
ili_schema = IliSchema()
consumption_query_schema = ConsumptionQuerySchema()
customer_consumption_query_schema = CustomerConsumptionQuerySchema()
leaks_query_schema = LeaksQuerySchema()
