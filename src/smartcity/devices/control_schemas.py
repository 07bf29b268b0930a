from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smartcity.devices.schemas import DEVICE_ID

NAME = validate.Regexp(r"^[A-Za-z0-9 _.-]{1,64}\Z", error="1-64 letters, digits, ' _.-'")


class GroupFilterSchema(Schema):
    type = fields.String()
    domain = fields.String()
    asset_id = fields.String()
    status = fields.String(validate=validate.OneOf(("active", "disabled")))
    metadata = fields.Dict(keys=fields.String())


class GroupCreateSchema(Schema):
    name = fields.String(required=True, validate=NAME)
    description = fields.String(load_default=None, validate=validate.Length(max=256))
    kind = fields.String(load_default="static", validate=validate.OneOf(("static", "filter")))
    filter = fields.Nested(GroupFilterSchema, load_default=dict)
    device_ids = fields.List(fields.String(validate=DEVICE_ID), load_default=list)

    @validates_schema
    def consistent(self, data, **_):
        if data["kind"] == "filter" and data.get("device_ids"):
            raise ValidationError("a filter group has no static members", "device_ids")
        if data["kind"] == "filter" and not data.get("filter"):
            raise ValidationError("a filter group needs a filter", "filter")


class GroupUpdateSchema(Schema):
    name = fields.String(validate=NAME)
    description = fields.String(allow_none=True, validate=validate.Length(max=256))
    filter = fields.Nested(GroupFilterSchema)


class MembersSchema(Schema):
    add = fields.List(fields.String(validate=DEVICE_ID), load_default=list)
    remove = fields.List(fields.String(validate=DEVICE_ID), load_default=list)


class CommandSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    params = fields.Dict(keys=fields.String(), load_default=dict)
    timeout_s = fields.Integer(strict=True, load_default=300, validate=validate.Range(1, 86_400))


class GroupActionSchema(Schema):
    action = fields.String(required=True,
                           validate=validate.OneOf(("config", "command", "disable", "enable")))
    config = fields.Dict(keys=fields.String())
    command = fields.Nested(CommandSchema)

    @validates_schema
    def has_payload(self, data, **_):
        for action in ("config", "command"):
            if data["action"] == action and action not in data:
                raise ValidationError(f"{action} is required for this action", action)


class CommandResponseSchema(Schema):
    status = fields.String(required=True,
                           validate=validate.OneOf(("delivered", "succeeded", "failed")))
    result = fields.Raw(load_default=None)
    error = fields.String(load_default=None, validate=validate.Length(max=512))


group_create_schema = GroupCreateSchema()
group_update_schema = GroupUpdateSchema()
members_schema = MembersSchema()
command_schema = CommandSchema()
group_action_schema = GroupActionSchema()
command_response_schema = CommandResponseSchema()
