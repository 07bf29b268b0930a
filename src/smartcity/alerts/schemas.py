"""Rule input: marshmallow field checks, then the cross-field checks on the merged rule."""

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from smartcity.alerts.rules import OPERATORS, slug
from smartcity.devices.catalogue import DEVICE_TYPES, DOMAINS
from smartcity.devices.models import DEVICE_ID_PATTERN
from smartcity.realtime.rooms import SEVERITIES
from smartcity.telemetry.points import KEY_PATTERN
from smartcity.validation import public_url

KINDS = ("threshold", "no_data", "anomaly")
SCOPES = ("device_id", "device_type", "domain", "asset_id")
ANOMALY_DEFAULTS = {"half_life_s": 3600.0, "z_threshold": 4.0, "warmup": 30}
FINITE = {"allow_nan": False}


class ScopeSchema(Schema):
    device_id = fields.String(validate=validate.Regexp(DEVICE_ID_PATTERN))
    device_type = fields.String(validate=validate.OneOf(sorted(DEVICE_TYPES)))
    domain = fields.String(validate=validate.OneOf(DOMAINS))
    asset_id = fields.String(validate=validate.Length(min=1, max=64))

    @validates_schema
    def exactly_one(self, data, **_kwargs):
        if len(data) != 1:
            raise ValidationError(f"give exactly one of {', '.join(SCOPES)}", "scope")


class NotifySchema(Schema):
    """Delivery settings kept for the notifications module; only their shape is checked here."""

    webhook_url = fields.Url(schemes={"http", "https"}, require_tld=False, allow_none=True,
                             validate=validate.Length(max=2048))
    webhook_secret = fields.String(allow_none=True, validate=validate.Length(max=256))
    email_to = fields.List(fields.Email(validate=validate.Length(max=254)),
                           validate=validate.Length(max=50))

    @validates("webhook_url")
    def public_target(self, url, **_kwargs):
        public_url(url)


class RuleSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    scope = fields.Nested(ScopeSchema, required=True)
    key = fields.String(allow_none=True, validate=validate.Regexp(KEY_PATTERN))
    operator = fields.String(allow_none=True, validate=validate.OneOf(sorted(OPERATORS)))
    value = fields.Float(allow_none=True, **FINITE)
    clear_value = fields.Float(allow_none=True, **FINITE)
    for_duration_s = fields.Integer(validate=validate.Range(0, 7 * 86_400))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    enabled = fields.Boolean()
    silent_s = fields.Integer(allow_none=True, validate=validate.Range(1, 30 * 86_400))
    half_life_s = fields.Float(allow_none=True, validate=validate.Range(1, 30 * 86_400),
                               **FINITE)
    z_threshold = fields.Float(allow_none=True, validate=validate.Range(0.5, 1000), **FINITE)
    warmup = fields.Integer(allow_none=True, validate=validate.Range(1, 100_000))
    notify = fields.Nested(NotifySchema)
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))


rule_schema = RuleSchema()
rule_update_schema = RuleSchema(partial=True)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _require(rule: dict, *names: str) -> None:
    for name in names:
        if rule.get(name) is None:
            raise _invalid(name, f"{name} is required for {rule['kind']} rules")


def complete_rule(rule: dict) -> dict:
    """Check a whole rule (after a PATCH is merged) and fill the kind's defaults."""
    rule = {"for_duration_s": 0, "severity": "major", "enabled": True, "notify": {}, **rule}
    if not slug(rule["name"]):
        raise _invalid("name", "name needs at least one letter or digit")
    kind = rule["kind"]
    if kind == "threshold":
        _require(rule, "key", "operator", "value")
        _check_clear_value(rule)
    elif kind == "anomaly":
        _require(rule, "key")
        for name, default in ANOMALY_DEFAULTS.items():
            if rule.get(name) is None:
                rule[name] = default
    else:
        _require(rule, "silent_s")
    return rule


def _check_clear_value(rule: dict) -> None:
    op, value, clear = rule["operator"], rule["value"], rule.get("clear_value")
    if clear is None:
        return
    if op in ("==", "!="):
        raise _invalid("clear_value", "clear_value applies to >, >=, < and <= rules")
    if op in (">", ">=") and clear > value:
        raise _invalid("clear_value", "clear_value must not exceed value for a rising rule")
    if op in ("<", "<=") and clear < value:
        raise _invalid("clear_value", "clear_value must not be below value for a falling rule")


class AlarmOut(Schema):
    """An alarm as the API answers it (service.to_dict)."""

    id = fields.Integer(required=True)
    originator_type = fields.String(required=True)
    originator_id = fields.String(required=True)
    type = fields.String(required=True)
    rule_id = fields.Integer(required=True, allow_none=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    status = fields.String(required=True)
    active = fields.Boolean(required=True)
    acknowledged = fields.Boolean(required=True)
    domain = fields.String(required=True, allow_none=True)
    details = fields.Dict(required=True)
    value = fields.Float(required=True, allow_none=True)
    peak_value = fields.Float(required=True, allow_none=True)
    count = fields.Integer(required=True)
    first_seen = fields.Integer(required=True)
    last_seen = fields.Integer(required=True)
    acked_at = fields.String(required=True, allow_none=True)
    acked_by = fields.String(required=True, allow_none=True)
    cleared_at = fields.String(required=True, allow_none=True)
    cleared_by = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, allow_none=True)


class AlertRuleOut(Schema):
    """An alert rule as the API answers it (service.rule_to_dict)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    alarm_type = fields.String(required=True)
    kind = fields.String(required=True)
    scope = fields.Dict(required=True)
    key = fields.String(required=True, allow_none=True)
    operator = fields.String(required=True, allow_none=True)
    value = fields.Float(required=True, allow_none=True)
    clear_value = fields.Float(required=True, allow_none=True)
    for_duration_s = fields.Integer(required=True, allow_none=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    enabled = fields.Boolean(required=True)
    silent_s = fields.Integer(required=True, allow_none=True)
    half_life_s = fields.Float(required=True, allow_none=True)
    z_threshold = fields.Float(required=True, allow_none=True)
    warmup = fields.Integer(required=True, allow_none=True)
    notify = fields.Dict(required=True)
    description = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, allow_none=True)
    updated_at = fields.String(required=True, allow_none=True)
