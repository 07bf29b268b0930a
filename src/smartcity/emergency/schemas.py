"""Request bodies and query strings of /api/emergency."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from smartcity.emergency import cap, incidents, units


class Location(Schema):
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))


class IncidentCreate(Schema):
    type = fields.String(required=True, validate=validate.OneOf(incidents.TYPES))
    priority = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 5))
    location = fields.Nested(Location, required=True)
    description = fields.String(validate=validate.Length(max=512))


class IncidentUpdate(Schema):
    status = fields.String(required=True, validate=validate.OneOf(incidents.STATUSES[2:]))


class IncidentQuery(Schema):
    status = fields.String(validate=validate.OneOf((*incidents.STATUSES, "open")))
    type = fields.String(validate=validate.OneOf(incidents.TYPES))
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class UnitQuery(Schema):
    kind = fields.String(validate=validate.OneOf(units.KINDS))
    status = fields.String(validate=validate.OneOf(
        ("available", "dispatched", "on_scene", "out_of_service")))


class Dispatch(Schema):
    incident_id = fields.String(required=True, validate=validate.Length(min=1, max=32))


class StatisticsQuery(Schema):
    class Meta:
        unknown = EXCLUDE  # start and end are read by telemetry.params.time_range

    by = fields.String(load_default="type,district")

    @validates_schema
    def known(self, data, **_kwargs):
        bad = [b for b in data["by"].split(",") if b not in ("type", "district")]
        if bad:
            raise ValidationError("group by type and/or district", "by")


class CoverageQuery(Schema):
    limit_s = fields.Float(load_default=480.0, validate=validate.Range(30, 3600))


class Area(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=256))
    polygon = fields.List(fields.List(fields.Float(allow_nan=False), validate=validate.Length(
        equal=2)), validate=validate.Length(min=3, max=500))
    district_ids = fields.List(fields.String(), validate=validate.Length(min=1, max=50))

    @validates_schema
    def one_shape(self, data, **_kwargs):
        if bool(data.get("polygon")) == bool(data.get("district_ids")):
            raise ValidationError("give either polygon or district_ids", "polygon")


class Broadcast(Schema):
    headline = fields.String(required=True, validate=validate.Length(min=1, max=160))
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    instruction = fields.String(validate=validate.Length(max=2000))
    event = fields.String(required=True, validate=validate.Length(min=1, max=128))
    category = fields.String(required=True, validate=validate.OneOf(cap.CATEGORIES))
    urgency = fields.String(required=True, validate=validate.OneOf(cap.URGENCIES))
    severity = fields.String(required=True, validate=validate.OneOf(cap.SEVERITIES))
    certainty = fields.String(required=True, validate=validate.OneOf(cap.CERTAINTIES))
    area = fields.Nested(Area, required=True)
    expires_in_s = fields.Integer(strict=True, validate=validate.Range(60, 30 * 86_400))
    expires = fields.AwareDateTime()

    @validates_schema
    def one_expiry(self, data, **_kwargs):
        if ("expires_in_s" in data) == ("expires" in data):
            raise ValidationError("give either expires_in_s or expires", "expires_in_s")
