"""Input of the report endpoints; a ValidationError answers 400 naming the field."""

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smartcity.analytics.kpis import PERIODS
from smartcity.notifications.models import CHANNELS
from smartcity.security import egress
from smartcity.validation import Time

FORMATS = ("json", "csv", "pdf", "html")


class ReportQuery(Schema):
    period = fields.String(load_default="week", validate=validate.OneOf(tuple(PERIODS)))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    end = Time(load_default=None)


report_query = ReportQuery()


class ScheduleSchema(Schema):
    """A report subscription; `target` is an e-mail address or a webhook URL by `channel`."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    cadence = fields.String(required=True, validate=validate.OneOf(("daily", "weekly")))
    period = fields.String(load_default=None, validate=validate.OneOf(tuple(PERIODS)))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    target = fields.String(required=True, validate=validate.Length(min=3, max=2048))
    secret = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=256))
    format = fields.String(load_default="pdf", validate=validate.OneOf(("pdf", "csv")))
    hour = fields.Integer(load_default=6, strict=True, validate=validate.Range(0, 23))
    weekday = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 6))
    enabled = fields.Boolean(load_default=True)

    @validates_schema
    def _target_fits_channel(self, data, **kwargs):
        target = data.get("target")
        try:
            if data.get("channel") == "email":
                fields.Email().deserialize(target)
            elif data.get("channel") == "webhook":
                fields.Url(schemes={"http", "https"}, require_tld=False).deserialize(target)
                egress.check_url(target, egress.Policy.from_setting(
                    current_app.config["WEBHOOK_ALLOWED_TARGETS"]))
        except egress.EgressRefused as exc:
            raise ValidationError(str(exc), "target") from None
        except ValidationError as exc:
            raise ValidationError(exc.messages, "target") from None


schedule_schema = ScheduleSchema()
