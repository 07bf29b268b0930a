"""Request bodies of dashboards and charts."""

from marshmallow import Schema, fields, validate

from smartcity.auth.models import ROLES
from smartcity.custom_dashboards.widgets import SPAN, VariableSchema, WidgetSchema


class DashboardSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 128))
    description = fields.String(load_default="", validate=validate.Length(max=2_000))
    widgets = fields.List(fields.Nested(WidgetSchema), load_default=list)
    variables = fields.List(fields.Nested(VariableSchema), validate=validate.Length(max=4),
                            load_default=list)
    time_range = fields.String(load_default="-24h", validate=validate.Regexp(SPAN))
    refresh_s = fields.Integer(load_default=0, validate=validate.OneOf((0, 10, 30, 60, 300)))
    shared_roles = fields.List(fields.String(validate=validate.OneOf(ROLES)),
                               load_default=list)


dashboard_create = DashboardSchema()
# Partial at the top only: a widget sent in an update is whole and gets its defaults
# (partial=True would reach into the nested widgets too).
dashboard_update = DashboardSchema(partial=tuple(DashboardSchema().fields))


class HomeSchema(Schema):
    dashboard_id = fields.Integer(required=True, allow_none=True,
                                  validate=validate.Range(1, 2**31 - 1))


home_schema = HomeSchema()
