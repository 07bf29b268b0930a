"""Alert rule CRUD. Every change bumps the shared version so engines reload on their next batch."""

from flask import current_app
from sqlalchemy import or_, select, update

from smartcity.alerts import service
from smartcity.alerts.models import AlertRule, AlertRulesVersion
from smartcity.alerts.rules import slug
from smartcity.alerts.schemas import complete_rule, rule_schema
from smartcity.audit.service import record
from smartcity.database import after_commit
from smartcity.errors import conflict, not_found
from smartcity.extensions import db

RULES_CHANGED = "smartcity.alert_rules_changed"  # the app's engine: reload at its next batch
FIELDS = ("name", "kind", "key", "operator", "value", "clear_value", "for_duration_s",
          "severity", "enabled", "silent_s", "half_life_s", "z_threshold", "warmup", "notify",
          "description")
# Changing what a rule watches orphans its open alarms: nothing would ever clear them.
REDEFINING = ("kind", "scope", "key")


def get_rule(rule_id: int) -> AlertRule:
    rule = db.session.get(AlertRule, rule_id)
    if rule is None:
        raise not_found("alert rule")
    return rule


def list_query(args):
    """Rules filtered by kind, key, severity and enabled."""
    stmt = select(AlertRule)
    for name in ("kind", "key", "severity"):
        if args.get(name):
            stmt = stmt.where(getattr(AlertRule, name) == args[name])
    if args.get("enabled") in ("true", "false"):
        stmt = stmt.where(AlertRule.enabled.is_(args["enabled"] == "true"))
    return stmt


def create_rule(data: dict) -> AlertRule:
    data = complete_rule(data)
    rule = AlertRule(alarm_type=slug(data["name"]))
    _assign(rule, data)
    db.session.add(rule)
    db.session.flush()
    bump_version()
    return rule


def ensure_rules(rules: list[dict], via: str) -> list[str]:
    """Create those of `rules` (request bodies) whose name no rule has yet, and commit; return
    their names. A domain's default rules for a new city, never duplicated on a re-seed."""
    existing = set(db.session.scalars(select(AlertRule.name)))
    created = []
    for rule in rules:
        if rule["name"] in existing:
            continue
        made = create_rule(rule_schema.load(rule))
        record("alert_rule.created", "alert_rule", made.id,
               {"name": made.name, "kind": made.kind, "via": via})
        created.append(made.name)
    db.session.commit()
    return created


def update_rule(rule: AlertRule, changes: dict) -> list:
    """Apply a partial update; return the alarm changes it caused (for the listeners)."""
    current = {name: getattr(rule, name) for name in FIELDS}
    current["scope"] = {rule.scope_type: rule.scope_value}
    data = complete_rule({**current, **changes})
    redefined = any(name in changes and data[name] != current[name] for name in REDEFINING)
    _assign(rule, data)
    bump_version()
    if not rule.enabled or redefined:
        return service.clear_rule_alarms(rule.id, "rule disabled" if not rule.enabled
                                         else "rule redefined")
    return []


def delete_rule(rule: AlertRule) -> list:
    cleared = service.clear_rule_alarms(rule.id, "rule deleted")
    db.session.flush()
    db.session.delete(rule)
    bump_version()
    return cleared


def _assign(rule: AlertRule, data: dict) -> None:
    others = select(AlertRule.id).where(
        or_(AlertRule.name == data["name"], AlertRule.alarm_type == slug(data["name"])))
    if rule.id is not None:
        others = others.where(AlertRule.id != rule.id)
    if db.session.scalar(others.limit(1)) is not None:
        raise conflict("a rule with this name (or alarm type) exists", "name")
    for name in FIELDS:
        setattr(rule, name, data.get(name))
    (rule.scope_type, rule.scope_value), = data["scope"].items()


def bump_version() -> None:
    """Count a rule change in the caller's transaction."""
    bumped = db.session.execute(update(AlertRulesVersion).where(AlertRulesVersion.id == 1)
                                .values(version=AlertRulesVersion.version + 1)).rowcount
    if not bumped:
        db.session.add(AlertRulesVersion(id=1, version=1))
    listener = current_app.extensions.get(RULES_CHANGED)
    if listener is not None:
        after_commit(db.session(), RULES_CHANGED, listener)


def current_version(conn) -> int:
    return conn.scalar(select(AlertRulesVersion.version).where(AlertRulesVersion.id == 1)) or 0
