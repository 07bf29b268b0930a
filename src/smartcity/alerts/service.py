"""Alarm lifecycle: raise (create or repeat), auto-clear, ack, manual clear; queries; listeners.

One open (active_*) alarm per (originator_type, originator_id, type) — the partial unique index
enforces it across processes; a concurrent create that loses the race is retried as a repeat.
Statuses follow ThingsBoard: active_unack -> active_ack on ack, active_* -> cleared_* on clear.
"""

import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError

from smartcity.alerts.models import Alarm, AlertRule
from smartcity.alerts.rules import CLEAR, RAISE
from smartcity.alerts.schemas import AlarmOut, AlertRuleOut
from smartcity.audit.service import record
from smartcity.database import utcnow
from smartcity.errors import bad_request, conflict, not_found
from smartcity.extensions import db
from smartcity.http import dumped_as
from smartcity.realtime.rooms import SEVERITIES
from smartcity.timeutil import iso, now_ms, parse_time

log = logging.getLogger(__name__)
STATUSES = ("active_unack", "active_ack", "cleared_unack", "cleared_ack")
ORIGINATOR_TYPES = ("device", "asset", "system")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}  # 0 is the most severe
LISTENERS = "smartcity.alarm_listeners"


@dataclass
class Event:
    """A request to raise (create or repeat) or clear one alarm; repeats may be pre-merged."""

    action: str  # RAISE or CLEAR
    originator_type: str
    originator_id: str
    type: str
    severity: str = "major"
    details: dict = field(default_factory=dict)
    value: float | None = None
    domain: str | None = None
    rule_id: int | None = None
    ts: int | None = None  # newest reading; None means now
    first_ts: int | None = None  # oldest reading merged into this event
    count: int = 1
    peak: float | None = None  # the extreme of the merged readings
    direction: str | None = "max"  # which way peak_value moves; None keeps the latest

    @property
    def key(self) -> tuple:
        return (self.originator_type, self.originator_id, self.type)


def add_alarm_listener(app, listener) -> None:
    """Call listener(action, alarm_dict, rule_dict_or_None) after each committed change."""
    app.extensions.setdefault(LISTENERS, []).append(listener)


def raise_alarm(originator_type: str, originator_id: str, type: str, severity: str,
                details: dict | None, value=None, domain: str | None = None) -> dict:
    """Create the open alarm, or repeat it (count, last_seen, peak, higher severity).

    Commits the current session (listeners run after the commit); callable from any thread
    inside an app context. Returns the alarm as to_dict() shapes it.
    """
    _check_event(originator_type, severity)
    event = Event(RAISE, originator_type, str(originator_id), type, severity, details or {},
                  value, domain)
    return apply_events([event])[0][1]


def clear_alarm(originator_type: str, originator_id: str, type: str) -> dict | None:
    """Clear the open alarm of this originator and type, if there is one."""
    changes = apply_events([Event(CLEAR, originator_type, str(originator_id), type)])
    return changes[0][1] if changes else None


def _check_event(originator_type: str, severity: str) -> None:
    if originator_type not in ORIGINATOR_TYPES:
        raise ValueError(f"originator_type must be one of {ORIGINATOR_TYPES}")
    if severity not in SEVERITY_RANK:
        raise ValueError(f"severity must be one of {SEVERITIES}")


def apply_events(events: list[Event], retries: int = 2) -> list[tuple[str, dict, dict | None]]:
    """Apply events in one transaction of the current session, commit, tell the listeners."""
    for attempt in range(retries + 1):
        try:
            changes = _apply(events)
            db.session.commit()
            break
        except IntegrityError:
            # Another process opened the same alarm first: start over and repeat it instead.
            db.session.rollback()
            if attempt == retries:
                raise
    return notify(changes)


def _apply(events: list[Event]) -> list[tuple[str, Alarm]]:
    open_alarms = _open_alarms({e.key for e in events})
    changes = []
    for event in events:
        alarm = open_alarms.get(event.key)
        if event.action == CLEAR:
            if alarm is not None:
                _close(alarm, "system")
                del open_alarms[event.key]
                changes.append(("cleared", alarm))
                db.session.flush()  # free the open slot before a later event reopens it
        elif alarm is not None:
            _repeat(alarm, event)
            changes.append(("updated", alarm))
        else:
            alarm = _create(event)
            db.session.add(alarm)
            open_alarms[event.key] = alarm
            changes.append(("created", alarm))
    return changes


def _open_alarms(keys: set[tuple]) -> dict[tuple, Alarm]:
    found, keys = {}, list(keys)
    for i in range(0, len(keys), 300):
        stmt = (select(Alarm).where(Alarm.active.is_(True), tuple_(
            Alarm.originator_type, Alarm.originator_id, Alarm.type).in_(keys[i:i + 300]))
            .order_by(Alarm.id).with_for_update())  # one lock order: no deadlocks between batches
        for alarm in db.session.scalars(stmt):
            found[(alarm.originator_type, alarm.originator_id, alarm.type)] = alarm
    return found


def _create(event: Event) -> Alarm:
    ts = event.ts or now_ms()
    return Alarm(originator_type=event.originator_type, originator_id=event.originator_id,
                 type=event.type, rule_id=event.rule_id, severity=event.severity,
                 status="active_unack", active=True, domain=event.domain, details=event.details,
                 value=event.value, peak_value=event.value if event.peak is None else event.peak,
                 count=event.count, first_seen=event.first_ts or ts, last_seen=ts)


def _repeat(alarm: Alarm, event: Event) -> None:
    peak = event.value if event.peak is None else event.peak
    if peak is not None and alarm.peak_value is not None and event.direction is not None:
        peak = max(peak, alarm.peak_value) if event.direction == "max" else min(
            peak, alarm.peak_value)
    alarm.peak_value = peak if peak is not None else alarm.peak_value
    alarm.value = event.value
    alarm.count += event.count
    alarm.last_seen = max(alarm.last_seen, event.ts or now_ms())
    alarm.details = event.details or alarm.details
    if SEVERITY_RANK[event.severity] < SEVERITY_RANK[alarm.severity]:
        alarm.severity = event.severity
    alarm.domain = alarm.domain or event.domain


def _close(alarm: Alarm, by: str) -> None:
    alarm.status = "cleared_ack" if alarm.status == "active_ack" else "cleared_unack"
    alarm.active = False
    alarm.cleared_at, alarm.cleared_by = utcnow(), by


def notify(changes: list[tuple[str, Alarm]]) -> list[tuple[str, dict, dict | None]]:
    """Call every alarm listener for committed changes; one failing listener stops nothing."""
    rule_ids = {a.rule_id for _, a in changes if a.rule_id is not None}
    rules = {r.id: rule_to_dict(r) for r in db.session.scalars(
        select(AlertRule).where(AlertRule.id.in_(rule_ids)))} if rule_ids else {}
    results = [(action, to_dict(a), rules.get(a.rule_id)) for action, a in changes]
    for listener in current_app.extensions.get(LISTENERS, []):
        for action, alarm, rule in results:
            try:
                listener(action, alarm, rule)
            except Exception:
                log.exception("alarm listener %r failed", listener)
    return results


# -- operators -----------------------------------------------------------------------------

def get_alarm(alarm_id: int, lock: bool = False) -> Alarm:
    stmt = select(Alarm).where(Alarm.id == alarm_id)
    alarm = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if alarm is None:
        raise not_found("alarm")
    return alarm


def acknowledge(alarm_id: int, principal) -> dict:
    """active_unack -> active_ack, cleared_unack -> cleared_ack; anything else is a conflict."""
    alarm = get_alarm(alarm_id, lock=True)
    if alarm.status.endswith("_ack"):
        raise conflict(f"alarm is already acknowledged ({alarm.status})", "status")
    alarm.status = alarm.status.replace("_unack", "_ack")
    alarm.acked_at, alarm.acked_by = utcnow(), principal.name
    record("alarm.acked", "alarm", alarm.id, {"type": alarm.type})
    db.session.commit()
    return notify([("acked", alarm)])[0][1]


def clear_manually(alarm_id: int, principal) -> dict:
    """active_* -> cleared_* keeping the ack state; a cleared alarm is a conflict."""
    alarm = get_alarm(alarm_id, lock=True)
    if not alarm.active:
        raise conflict(f"alarm is already cleared ({alarm.status})", "status")
    _close(alarm, principal.name)
    record("alarm.cleared", "alarm", alarm.id, {"type": alarm.type})
    db.session.commit()
    return notify([("cleared", alarm)])[0][1]


def clear_rule_alarms(rule_id: int, reason: str) -> list:
    """Clear the open alarms of a rule that was disabled or deleted (nothing else would)."""
    alarms = db.session.scalars(select(Alarm).where(
        Alarm.rule_id == rule_id, Alarm.active.is_(True)).with_for_update()).all()
    for alarm in alarms:
        _close(alarm, "system")
        alarm.details = {**(alarm.details or {}), "cleared_reason": reason}
    return [("cleared", a) for a in alarms]


# -- queries -------------------------------------------------------------------------------

def _choices(raw: str, allowed, name: str, aliases: dict | None = None) -> list[str]:
    values = []
    for item in (v.strip() for v in raw.split(",") if v.strip()):
        expanded = (aliases or {}).get(item, [item])
        if any(v not in allowed for v in expanded):
            raise bad_request(f"{name} must be one of {', '.join(allowed)}", name)
        values += expanded
    return values


def list_query(args):
    """Alarms filtered by status, severity, domain, type, originator, rule_id, start, end."""
    stmt = select(Alarm)
    if args.get("status"):
        aliases = {"active": list(STATUSES[:2]), "cleared": list(STATUSES[2:])}
        stmt = stmt.where(Alarm.status.in_(_choices(args["status"], STATUSES, "status",
                                                    aliases)))
    if args.get("severity"):
        stmt = stmt.where(Alarm.severity.in_(_choices(args["severity"], SEVERITIES, "severity")))
    for name in ("domain", "type"):
        if args.get(name):
            stmt = stmt.where(getattr(Alarm, name) == args[name])
    if args.get("originator"):  # "aq-1" or "device:aq-1"
        kind, _, ident = args["originator"].rpartition(":")
        stmt = stmt.where(Alarm.originator_id == ident)
        if kind:
            stmt = stmt.where(Alarm.originator_type == kind)
    if args.get("rule_id"):
        if not args["rule_id"].isdigit():
            raise bad_request("rule_id must be an integer", "rule_id")
        stmt = stmt.where(Alarm.rule_id == int(args["rule_id"]))
    # The window selects alarms that began in it.
    if args.get("start"):
        stmt = stmt.where(Alarm.first_seen >= parse_time(args["start"], "start"))
    if args.get("end"):
        stmt = stmt.where(Alarm.first_seen < parse_time(args["end"], "end"))
    return stmt


def summary() -> dict:
    """Counts of open alarms by severity and domain, and how many await acknowledgement."""
    rows = db.session.execute(select(Alarm.severity, Alarm.domain, Alarm.status, func.count())
                              .where(Alarm.active.is_(True))
                              .group_by(Alarm.severity, Alarm.domain, Alarm.status)).all()
    by_severity = dict.fromkeys(SEVERITIES, 0)
    by_domain: dict[str, int] = {}
    unacknowledged = total = 0
    for severity, domain, status, count in rows:
        by_severity[severity] = by_severity.get(severity, 0) + count
        by_domain[domain or "system"] = by_domain.get(domain or "system", 0) + count
        unacknowledged += count if status == "active_unack" else 0
        total += count
    cleared_unack = db.session.scalar(select(func.count()).select_from(Alarm)
                                      .where(Alarm.status == "cleared_unack"))
    return {"active": total, "by_severity": by_severity, "by_domain": by_domain,
            "unacknowledged": unacknowledged, "cleared_unacknowledged": cleared_unack}


@dumped_as(AlarmOut)
def to_dict(alarm: Alarm) -> dict:
    return {"id": alarm.id, "originator_type": alarm.originator_type,
            "originator_id": alarm.originator_id, "type": alarm.type, "rule_id": alarm.rule_id,
            "severity": alarm.severity, "status": alarm.status, "active": alarm.active,
            "acknowledged": alarm.status.endswith("_ack"), "domain": alarm.domain,
            "details": alarm.details or {}, "value": alarm.value,
            "peak_value": alarm.peak_value, "count": alarm.count,
            "first_seen": alarm.first_seen, "last_seen": alarm.last_seen,
            "acked_at": iso(alarm.acked_at), "acked_by": alarm.acked_by,
            "cleared_at": iso(alarm.cleared_at), "cleared_by": alarm.cleared_by,
            "created_at": iso(alarm.created_at)}


@dumped_as(AlertRuleOut)
def rule_to_dict(rule: AlertRule) -> dict:
    return {"id": rule.id, "name": rule.name, "alarm_type": rule.alarm_type, "kind": rule.kind,
            "scope": {rule.scope_type: rule.scope_value}, "key": rule.key,
            "operator": rule.operator, "value": rule.value, "clear_value": rule.clear_value,
            "for_duration_s": rule.for_duration_s, "severity": rule.severity,
            "enabled": rule.enabled, "silent_s": rule.silent_s, "half_life_s": rule.half_life_s,
            "z_threshold": rule.z_threshold, "warmup": rule.warmup, "notify": rule.notify or {},
            "description": rule.description, "created_at": iso(rule.created_at),
            "updated_at": iso(rule.updated_at)}
