"""Queries over the delivery log: listing, re-queueing, counts for health and metrics."""

from sqlalchemy import func, select

from smartcity.audit import service as audit
from smartcity.errors import ApiError, bad_request, not_found
from smartcity.extensions import db
from smartcity.notifications.models import CHANNELS, STATUSES, NotificationDelivery
from smartcity.timeutil import iso, now_ms

T = NotificationDelivery


def to_dict(d: NotificationDelivery) -> dict:
    return {"id": d.id, "alarm_id": d.alarm_id, "rule_id": d.rule_id, "user_id": d.user_id,
            "channel": d.channel,
            "target": d.target, "action": d.action, "event": (d.payload or {}).get("event"),
            "status": d.status, "attempts": d.attempts, "last_error": d.last_error,
            "last_status_code": d.last_status_code, "payload": d.payload,
            "created_at": iso(d.created_at), "next_attempt_at": iso(d.next_attempt_at),
            "last_attempt_at": iso(d.last_attempt_at), "delivered_at": iso(d.delivered_at)}


def list_query(args):
    """A select of deliveries filtered by status, channel, alarm_id, rule_id and user_id."""
    stmt = select(T)
    for name, allowed in (("status", STATUSES), ("channel", CHANNELS)):
        value = args.get(name)
        if value and value not in allowed:
            raise bad_request(f"{name} must be one of {', '.join(allowed)}", name)
        if value:
            stmt = stmt.where(getattr(T, name) == value)
    for name in ("alarm_id", "rule_id", "user_id"):
        if args.get(name):
            if not args[name].isdigit() or len(args[name]) > 18:
                raise bad_request(f"{name} must be an integer", name)
            stmt = stmt.where(getattr(T, name) == int(args[name]))
    return stmt


def requeue(delivery_id: int) -> NotificationDelivery:
    """Give a failed delivery a fresh round of attempts, starting now; audited (caller commits)."""
    delivery = db.session.get(T, delivery_id)
    if delivery is None:
        raise not_found("delivery")
    if delivery.status != "failed":
        raise ApiError(409, "conflict", f"only failed deliveries can be retried "
                       f"(this one is {delivery.status})", {"field": "status"})
    audit.record("notification.retried", "notification_delivery", delivery.id,
                 {"channel": delivery.channel, "target": delivery.target,
                  "previous_attempts": delivery.attempts, "last_error": delivery.last_error})
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now_ms()
    return delivery


def counts(engine) -> dict:
    """Deliveries per (status, channel), and how overdue the oldest due one is."""
    now = now_ms()
    with engine.connect().execution_options(read_only=True) as conn:
        by_status = {(s, c): n for s, c, n in conn.execute(
            select(T.status, T.channel, func.count()).group_by(T.status, T.channel))}
        oldest_due = conn.scalar(select(func.min(T.next_attempt_at))
                                 .where(T.status == "pending", T.next_attempt_at <= now))
    overdue_s = 0.0 if oldest_due is None else round((now - oldest_due) / 1000, 1)
    return {"by_status": by_status, "overdue_s": overdue_s}
