"""Input of the waste endpoints; a ValidationError answers 400 naming the field."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smartcity.devices.models import DEVICE_ID_PATTERN
from smartcity.devices.schemas import LocationSchema
from smartcity.validation import Time
from smartcity.waste.bins import STREAMS
from smartcity.waste.models import STATUSES

DEVICE_ID = validate.Regexp(DEVICE_ID_PATTERN)


class BinCreateSchema(Schema):
    id = fields.String(required=True, validate=DEVICE_ID)
    name = fields.String(validate=validate.Length(min=1, max=128))
    stream = fields.String(required=True, validate=validate.OneOf(STREAMS))
    capacity_l = fields.Float(required=True, allow_nan=False,
                              validate=validate.Range(10, 100_000))
    location = fields.Nested(LocationSchema, required=True)
    asset_id = fields.String(allow_none=True, validate=validate.Length(max=64))


class LevelSchema(Schema):
    fill_level = fields.Float(required=True, allow_nan=False, validate=validate.Range(0, 100))
    ts = fields.Raw()  # checked by the ingest parser, as a device's own ts


class CollectionCreateSchema(Schema):
    vehicle_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    scheduled_for = Time(required=True)
    bins = fields.List(fields.String(validate=DEVICE_ID), required=True,
                       validate=validate.Length(min=1, max=1000))
    status = fields.String(validate=validate.OneOf(("planned", "in_progress")))
    distance_km = fields.Float(allow_nan=False, validate=validate.Range(0, 10_000))
    duration_h = fields.Float(allow_nan=False, validate=validate.Range(0, 48))

    @validates_schema
    def unique_bins(self, data, **_kwargs):
        if len(set(data.get("bins", []))) != len(data.get("bins", [])):
            raise ValidationError("a bin appears twice", "bins")


class CompleteSchema(Schema):
    weights = fields.Dict(keys=fields.String(), values=fields.Float(
        allow_nan=False, validate=validate.Range(0, 50_000)))
    collected_kg = fields.Float(allow_nan=False, validate=validate.Range(0, 100_000))
    distance_km = fields.Float(allow_nan=False, validate=validate.Range(0, 10_000))
    duration_h = fields.Float(allow_nan=False, validate=validate.Range(0, 48))


class CollectionQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    vehicle_id = fields.String(validate=validate.Length(max=64))
    start = Time()
    end = Time()
    limit = fields.Raw()
    cursor = fields.Raw()


class DepotField(fields.Field):
    """{lat, lon} or an asset id."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and 0 < len(value) <= 64:
            return value
        if isinstance(value, dict):
            return LocationSchema().load(value)
        raise ValidationError("depot must be {lat, lon} or an asset id")


class VehicleSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    capacity_l = fields.Integer(required=True, strict=True,
                                validate=validate.Range(100, 1_000_000))
    depot = DepotField(load_default=None)


class RoutesSchema(Schema):
    vehicles = fields.List(fields.Nested(VehicleSchema), required=True,
                           validate=validate.Length(min=1, max=50))
    threshold_pct = fields.Float(load_default=80.0, allow_nan=False,
                                 validate=validate.Range(0, 100))
    horizon_h = fields.Float(load_default=24.0, allow_nan=False,
                             validate=validate.Range(0, 24 * 14))
    time_limit_s = fields.Float(load_default=5.0, allow_nan=False,
                                validate=validate.Range(0.1, 60))
    save = fields.Boolean(load_default=False)  # store the routes as planned collections
    dispatch = fields.Boolean(load_default=False)  # send each truck its route as a command
    command_timeout_s = fields.Integer(load_default=3600, strict=True,
                                       validate=validate.Range(10, 86_400))
    scheduled_for = Time()

    @validates_schema
    def unique_vehicles(self, data, **_kwargs):
        ids = [v["id"] for v in data.get("vehicles", [])]
        if len(set(ids)) != len(ids):
            raise ValidationError("a vehicle appears twice", "vehicles")


bin_create_schema = BinCreateSchema()
level_schema = LevelSchema()
collection_create_schema = CollectionCreateSchema()
complete_schema = CompleteSchema()
collection_query_schema = CollectionQuerySchema()
routes_schema = RoutesSchema()
