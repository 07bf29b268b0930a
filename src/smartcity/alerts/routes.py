from flask import Blueprint, g, request

from smartcity.alerts import rule_service, service
from smartcity.alerts.models import Alarm, AlertRule
from smartcity.alerts.schemas import rule_schema, rule_update_schema
from smartcity.audit.service import record
from smartcity.auth.guard import require_role
from smartcity.extensions import db
from smartcity.http import json_body
from smartcity.pagination import page_response, paginate

bp = Blueprint("alerts", __name__, url_prefix="/api")


@bp.get("/alert-rules")
@require_role("viewer")
def list_rules():
    """List alert rules (filters: kind, key, severity, enabled)."""
    rows, cursor = paginate(db.session, rule_service.list_query(request.args), [AlertRule.id])
    return page_response([service.rule_to_dict(r) for r in rows], cursor)


@bp.post("/alert-rules")
@require_role("operator")
def create_rule():
    """Create an alert rule (threshold, no_data or anomaly)."""
    rule = rule_service.create_rule(rule_schema.load(json_body()))
    record("alert_rule.created", "alert_rule", rule.id, {"name": rule.name, "kind": rule.kind})
    db.session.commit()
    return service.rule_to_dict(rule), 201


@bp.get("/alert-rules/<int:rule_id>")
@require_role("viewer")
def get_rule(rule_id):
    """Show an alert rule."""
    return service.rule_to_dict(rule_service.get_rule(rule_id))


@bp.patch("/alert-rules/<int:rule_id>")
@require_role("operator")
def update_rule(rule_id):
    """Change an alert rule; disabling or redefining it clears its open alarms."""
    changes = rule_update_schema.load(json_body())
    rule = rule_service.get_rule(rule_id)
    cleared = rule_service.update_rule(rule, changes)
    record("alert_rule.updated", "alert_rule", rule.id, {"fields": sorted(changes)})
    db.session.commit()
    service.notify(cleared)
    return service.rule_to_dict(rule)


@bp.delete("/alert-rules/<int:rule_id>")
@require_role("operator")
def delete_rule(rule_id):
    """Delete an alert rule and clear its open alarms."""
    rule = rule_service.get_rule(rule_id)
    cleared = rule_service.delete_rule(rule)
    record("alert_rule.deleted", "alert_rule", rule_id, {"name": rule.name})
    db.session.commit()
    service.notify(cleared)
    return "", 204


@bp.get("/alerts")
@require_role("viewer")
def list_alerts():
    """List alarms, newest first (status incl. active, severity, domain, originator, start, end)."""
    rows, cursor = paginate(db.session, service.list_query(request.args), [Alarm.id],
                            descending=True)
    return page_response([service.to_dict(a) for a in rows], cursor)


@bp.get("/alerts/<int:alarm_id>")
@require_role("viewer")
def get_alert(alarm_id):
    """Show an alarm."""
    return service.to_dict(service.get_alarm(alarm_id))


@bp.post("/alerts/<int:alarm_id>/ack")
@require_role("operator")
def ack_alert(alarm_id):
    """Acknowledge an alarm (active_unack -> active_ack, cleared_unack -> cleared_ack)."""
    return service.acknowledge(alarm_id, g.principal)


@bp.post("/alerts/<int:alarm_id>/clear")
@require_role("operator")
def clear_alert(alarm_id):
    """Clear an active alarm by hand, keeping its acknowledgement."""
    return service.clear_manually(alarm_id, g.principal)


@bp.get("/dashboard/alerts/summary")
@require_role("viewer")
def get_summary():
    """Count open alarms by severity and domain, and those awaiting acknowledgement."""
    return service.summary()
