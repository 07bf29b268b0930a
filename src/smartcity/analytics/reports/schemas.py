"""Input of the report endpoints; a ValidationError answers 400 naming the field."""

from marshmallow import Schema, fields, validate

from smartcity.analytics.kpis import PERIODS
from smartcity.validation import Time

FORMATS = ("json", "csv", "pdf", "html")


class ReportQuery(Schema):
    period = fields.String(load_default="week", validate=validate.OneOf(tuple(PERIODS)))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    end = Time(load_default=None)


report_query = ReportQuery()
