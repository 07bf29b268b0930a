"""Input of the transport endpoints; a ValidationError answers 400 naming the field."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema


class HeadwaysQuery(Schema):
    class Meta:
        unknown = EXCLUDE  # start and end go through the one time-range parser

    route = fields.String(validate=validate.Length(min=1, max=255))
    direction = fields.Integer(validate=validate.OneOf((0, 1)))


headways_query = HeadwaysQuery()


class DemandQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    line = fields.String(validate=validate.Length(min=1, max=255))
    top = fields.Integer(load_default=10, validate=validate.Range(1, 1000))


class DemandForecastQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    history_days = fields.Integer(load_default=14, validate=validate.Range(3, 60))


demand_query = DemandQuery()
demand_forecast_query = DemandForecastQuery()


class PointSchema(Schema):
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))


WEEK_S = 7 * 86_400


class RouteStopSchema(PointSchema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    demand = fields.Integer(load_default=1, validate=validate.Range(0, 1_000_000))
    earliest_s = fields.Integer(load_default=0, validate=validate.Range(0, WEEK_S))
    latest_s = fields.Integer(load_default=None, validate=validate.Range(0, WEEK_S))
    service_s = fields.Integer(load_default=0, validate=validate.Range(0, 86_400))

    @validates_schema
    def window_in_order(self, data, **_kwargs):
        if data.get("latest_s") is not None and data["latest_s"] < data.get("earliest_s", 0):
            raise ValidationError("must not be before earliest_s", "latest_s")


class RouteVehicleSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    capacity = fields.Integer(required=True, validate=validate.Range(1, 1_000_000))


def unique_ids(items: list[dict], field: str) -> None:
    ids = [x["id"] for x in items]
    if len(ids) != len(set(ids)):
        raise ValidationError(f"duplicate id {next(i for i in ids if ids.count(i) > 1)!r}",
                              field)


class RouteOptimisationSchema(Schema):
    depot = fields.Nested(PointSchema, required=True)
    stops = fields.List(fields.Nested(RouteStopSchema), required=True,
                        validate=validate.Length(min=1, max=200))
    vehicles = fields.List(fields.Nested(RouteVehicleSchema), required=True,
                           validate=validate.Length(min=1, max=50))
    horizon_s = fields.Integer(load_default=86_400, validate=validate.Range(60, WEEK_S))
    time_limit_s = fields.Float(load_default=2.0, allow_nan=False,
                                validate=validate.Range(0.1, 30))

    @validates_schema
    def unique(self, data, **_kwargs):
        unique_ids(data.get("stops", []), "stops")
        unique_ids(data.get("vehicles", []), "vehicles")


route_optimisation = RouteOptimisationSchema()
