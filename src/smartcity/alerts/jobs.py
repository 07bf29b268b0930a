"""Periodic alert work: no-data rules, and forgetting old anomaly flags with the raw readings."""

from sqlalchemy import and_, func, select

from smartcity.alerts import service
from smartcity.alerts.models import Alarm, AlertRule, AnomalyFlag
from smartcity.alerts.rules import CLEAR, RAISE
from smartcity.devices.models import Device
from smartcity.extensions import db
from smartcity.telemetry.models import telemetry_keys, telemetry_latest
from smartcity.timeutil import now_ms

DAY_MS = 86_400_000
SCOPE_COLUMNS = {"device_id": Device.id, "device_type": Device.type, "domain": Device.domain,
                 "asset_id": Device.asset_id}


def check_no_data(app, now: int | None = None) -> dict:
    """Raise for devices in scope silent for silent_s; clear those that spoke again."""
    now = now_ms() if now is None else now
    events = []
    try:
        rules = db.session.scalars(select(AlertRule).where(
            AlertRule.kind == "no_data", AlertRule.enabled.is_(True))).all()
        for rule in rules:
            silent = _silent_devices(rule, now)
            open_ids = set(db.session.scalars(select(Alarm.originator_id).where(
                Alarm.rule_id == rule.id, Alarm.active.is_(True))))
            # Only new silences raise: repeating every run would re-notify about each dead
            # device twice a minute.
            for device_id, (last_ts, domain) in silent.items():
                if device_id not in open_ids:
                    events.append(service.Event(
                        RAISE, "device", device_id, rule.alarm_type, rule.severity,
                        {"rule": rule.name, "key": rule.key, "silent_s": rule.silent_s,
                         "last_data_ts": last_ts}, domain=domain, rule_id=rule.id, ts=now,
                        direction=None))
            events += [service.Event(CLEAR, "device", device_id, rule.alarm_type, ts=now)
                       for device_id in open_ids - silent.keys()]
        changes = service.apply_events(events) if events else []
    finally:
        db.session.remove()
    return {"rules": len(rules), "raised": sum(c[0] == "created" for c in changes),
            "cleared": sum(c[0] == "cleared" for c in changes)}


def _silent_devices(rule: AlertRule, now: int) -> dict[str, tuple[int | None, str]]:
    """{device_id: (last data ts or None, domain)} of active devices in scope gone quiet."""
    latest = select(telemetry_latest.c.device_id, func.max(telemetry_latest.c.ts).label("ts"))
    if rule.key:
        latest = latest.join(telemetry_keys, and_(telemetry_keys.c.id == telemetry_latest.c.key_id,
                                                  telemetry_keys.c.name == rule.key))
    latest = latest.group_by(telemetry_latest.c.device_id).subquery()
    stmt = (select(Device.id, Device.domain, Device.created_at, latest.c.ts)
            .outerjoin(latest, latest.c.device_id == Device.id)
            .where(Device.status == "active",
                   SCOPE_COLUMNS[rule.scope_type] == rule.scope_value))
    cutoff = now - rule.silent_s * 1000
    silent = {}
    for device_id, domain, created_at, last_ts in db.session.execute(stmt):
        # A device that never sent anything has been silent since it was registered.
        reference = last_ts if last_ts is not None else int(created_at.timestamp() * 1000)
        if reference <= cutoff:
            silent[device_id] = (last_ts, domain)
    return silent


def prune_anomaly_flags(app, now: int | None = None) -> dict:
    """Drop flags of readings that raw-telemetry retention has already deleted."""
    now = now_ms() if now is None else now
    cutoff = now - app.config["RETENTION_DAYS"] * DAY_MS
    try:
        deleted = db.session.execute(AnomalyFlag.__table__.delete().where(
            AnomalyFlag.ts < cutoff)).rowcount
        db.session.commit()
    finally:
        db.session.remove()
    return {"anomaly_flags": deleted}
