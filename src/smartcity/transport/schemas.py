"""Input of the transport endpoints; a ValidationError answers 400 naming the field."""

from marshmallow import EXCLUDE, Schema, fields, validate


class HeadwaysQuery(Schema):
    class Meta:
        unknown = EXCLUDE  # start and end go through the one time-range parser

    route = fields.String(validate=validate.Length(min=1, max=255))
    direction = fields.Integer(validate=validate.OneOf((0, 1)))


headways_query = HeadwaysQuery()
