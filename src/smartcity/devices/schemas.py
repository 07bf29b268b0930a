from marshmallow import Schema, fields, validate

from smartcity.devices.catalogue import DEVICE_TYPES, DOMAINS
from smartcity.devices.models import DEVICE_ID_PATTERN

DEVICE_ID = validate.Regexp(
    DEVICE_ID_PATTERN, error="lowercase letters, digits, '_' or '-', 1-64, starting alphanumeric")


class LocationSchema(Schema):
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))
    address = fields.String(validate=validate.Length(max=256))


class DeviceCreateSchema(Schema):
    id = fields.String(required=True, validate=DEVICE_ID)
    name = fields.String(validate=validate.Length(min=1, max=128))
    type = fields.String(required=True, validate=validate.OneOf(sorted(DEVICE_TYPES)))
    domain = fields.String(validate=validate.OneOf(DOMAINS))
    location = fields.Nested(LocationSchema, allow_none=True)
    metadata = fields.Dict(keys=fields.String(), load_default=dict)
    gateway_id = fields.String(allow_none=True, validate=DEVICE_ID)
    asset_id = fields.String(allow_none=True, validate=validate.Length(max=64))
    status = fields.String(load_default="active", validate=validate.OneOf(("active", "disabled")))


class DeviceUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=128))
    domain = fields.String(validate=validate.OneOf(DOMAINS))
    location = fields.Nested(LocationSchema, allow_none=True)
    metadata = fields.Dict(keys=fields.String())
    gateway_id = fields.String(allow_none=True, validate=DEVICE_ID)
    asset_id = fields.String(allow_none=True, validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(("active", "disabled")))


device_create_schema = DeviceCreateSchema()
device_update_schema = DeviceUpdateSchema()


class DeviceOut(Schema):
    """A device as the API answers it (service.device_to_dict)."""

    id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    type = fields.String(required=True)
    domain = fields.String(required=True, allow_none=True)
    status = fields.String(required=True)
    connectivity = fields.String(required=True)
    location = fields.Dict(required=True, allow_none=True)
    metadata = fields.Dict(required=True)
    gateway_id = fields.String(required=True, allow_none=True)
    asset_id = fields.String(required=True, allow_none=True)
    api_key_prefix = fields.String(required=True, allow_none=True)
    last_seen = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, allow_none=True)
    updated_at = fields.String(required=True, allow_none=True)
