"""Request bodies and query strings of /api/traffic."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smartcity.traffic import incidents
from smartcity.validation import DeviceIds, Keys, TimeRange


class Location(Schema):
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))


class IncidentCreate(Schema):
    segment_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True, validate=validate.OneOf(incidents.TYPES))
    severity = fields.String(load_default="major", validate=validate.OneOf(incidents.SEVERITIES))
    capacity_share = fields.Float(allow_nan=False, validate=validate.Range(0, 1))
    description = fields.String(validate=validate.Length(max=512))
    location = fields.Nested(Location)


class IncidentUpdate(Schema):
    type = fields.String(validate=validate.OneOf(incidents.TYPES))
    severity = fields.String(validate=validate.OneOf(incidents.SEVERITIES))
    capacity_share = fields.Float(allow_nan=False, validate=validate.Range(0, 1))
    description = fields.String(validate=validate.Length(max=512), allow_none=True)
    location = fields.Nested(Location, allow_none=True)
    status = fields.String(validate=validate.OneOf(incidents.STATUSES))


class IncidentQuery(Schema):
    status = fields.String(validate=validate.OneOf(incidents.STATUSES))
    segment_id = fields.String()
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class Phase(Schema):
    flow = fields.Float(required=True, allow_nan=False, validate=validate.Range(0, 20_000))
    saturation_flow = fields.Float(required=True, allow_nan=False,
                                   validate=validate.Range(1, 20_000, min_inclusive=True))


class SignalTiming(Schema):
    phases = fields.List(fields.Nested(Phase), required=True,
                         validate=validate.Length(min=1, max=8))
    lost_time_s = fields.Float(required=True, allow_nan=False, validate=validate.Range(0, 120))
    min_cycle_s = fields.Float(allow_nan=False, validate=validate.Range(1, 600))
    max_cycle_s = fields.Float(allow_nan=False, validate=validate.Range(1, 600))

    @validates_schema
    def cycle_bounds(self, data, **_kwargs):
        if data.get("min_cycle_s") and data.get("max_cycle_s") \
                and data["min_cycle_s"] > data["max_cycle_s"]:
            raise ValidationError("must not exceed max_cycle_s", "min_cycle_s")
        if data.get("max_cycle_s") is not None and data["max_cycle_s"] <= data["lost_time_s"]:
            raise ValidationError("must exceed lost_time_s", "max_cycle_s")


class RouteRequest(Schema):
    from_ = fields.Raw(required=True, data_key="from")
    to = fields.Raw(required=True)
    avoid_incidents = fields.Boolean(load_default=True)
    optimize = fields.String(load_default="time", validate=validate.OneOf(("time", "length")))


class PeakQuery(Schema):
    days = fields.Integer(load_default=28, validate=validate.Range(1, 90))
    device_id = fields.String()


class PredictionQuery(Schema):
    hours = fields.Integer(load_default=6, validate=validate.Range(1, 48))
    days = fields.Integer(load_default=28, validate=validate.Range(21, 90))


class ReadingsQuery(TimeRange):
    device_id = DeviceIds()
    device_type = fields.String(validate=validate.OneOf(("traffic_counter", "traffic_signal")))
    keys = Keys()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    points = fields.Integer(load_default=100, validate=validate.Range(1, 5000))
    cursor = fields.String()
