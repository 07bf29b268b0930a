"""Input of a person's notification preferences and push subscriptions."""

import base64
import binascii
import re

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from smartcity.auth.schemas import StrictBoolean
from smartcity.devices.catalogue import DOMAINS
from smartcity.notifications import preferences
from smartcity.notifications.models import CHAT_STYLES, DIGESTS, USER_CHANNELS
from smartcity.realtime.rooms import SEVERITIES
from smartcity.validation import public_url

E164 = validate.Regexp(r"^\+[1-9][0-9]{6,14}\Z", error="an E.164 number such as +4915112345678")


def _hhmm(value) -> None:
    try:
        preferences.parse_hhmm(value)
    except ValueError:
        raise ValidationError("a local time as HH:MM (00:00-23:59)") from None


def _zone(value) -> None:
    try:
        preferences.zone(value)
    except ValueError:
        raise ValidationError("an IANA time zone name such as Europe/Berlin") from None


class PreferencesSchema(Schema):
    """Every field is optional: what is left out keeps its value."""

    enabled = StrictBoolean()
    channels = fields.List(fields.String(validate=validate.OneOf(USER_CHANNELS)),
                           validate=validate.Length(max=len(USER_CHANNELS)))
    min_severity = fields.String(validate=validate.OneOf(SEVERITIES))
    domains = fields.List(fields.String(validate=validate.OneOf(DOMAINS)),
                          validate=validate.Length(max=len(DOMAINS)))
    quiet_start = fields.String(allow_none=True, validate=_hhmm)
    quiet_end = fields.String(allow_none=True, validate=_hhmm)
    timezone = fields.String(validate=[validate.Length(max=64), _zone])
    digest = fields.String(validate=validate.OneOf(DIGESTS))
    daily_at = fields.String(validate=_hhmm)
    phone = fields.String(allow_none=True, validate=E164)
    chat_url = fields.Url(schemes={"http", "https"}, require_tld=False, allow_none=True,
                          validate=validate.Length(max=2048))
    chat_style = fields.String(validate=validate.OneOf(CHAT_STYLES))

    @validates("chat_url")
    def public_target(self, url, **_kwargs):
        public_url(url)

    @validates_schema
    def quiet_pair(self, data, **_kwargs):
        if "quiet_start" in data and "quiet_end" in data and data["quiet_start"] and (
                data["quiet_start"] == data["quiet_end"]):
            raise ValidationError("quiet hours must not start and end at the same time",
                                  "quiet_end")


def _b64url(length: int, first: bytes | None = None):
    def check(value: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            raise ValidationError("base64url") from None
        if len(raw) != length or (first is not None and not raw.startswith(first)):
            raise ValidationError(f"base64url of {length} bytes")
    return check


B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}\Z")


class PushKeysSchema(Schema):
    p256dh = fields.String(required=True, validate=[
        validate.Regexp(B64URL, error="base64url"), _b64url(65, b"\x04")])
    auth = fields.String(required=True, validate=[
        validate.Regexp(B64URL, error="base64url"), _b64url(16)])


class PushSubscriptionSchema(Schema):
    """A browser's PushSubscription.toJSON()."""

    endpoint = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                          validate=validate.Length(max=2048))
    expirationTime = fields.Integer(allow_none=True, load_default=None,  # noqa: N815 - the DOM's
                                    strict=True)
    keys = fields.Nested(PushKeysSchema, required=True)

    @validates("endpoint")
    def public_target(self, url, **_kwargs):
        public_url(url)


class PushEndpointSchema(Schema):
    endpoint = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                          validate=validate.Length(max=2048))


preferences_schema = PreferencesSchema()
push_subscription_schema = PushSubscriptionSchema()
push_endpoint_schema = PushEndpointSchema()
