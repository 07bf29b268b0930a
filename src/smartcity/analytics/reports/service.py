"""A city report over one period: KPIs, alarms, incidents and top anomalies of every domain.

Every section comes from a registry or a core table, never from a domain's module: KPIs from
`@domain.kpi` (analytics.kpis), incidents from `@domain.incidents`, alarms and anomaly flags from
the alerts tables (anomalies belong to the domain of the device flagged).
"""

import logging

from flask import current_app
from sqlalchemy import func, select

from smartcity import domains
from smartcity.alerts.models import Alarm, AlertRule, AnomalyFlag
from smartcity.alerts.service import SEVERITY_RANK
from smartcity.analytics import kpis
from smartcity.devices.models import Device
from smartcity.extensions import db
from smartcity.realtime.rooms import SEVERITIES
from smartcity.timeutil import now_ms

log = logging.getLogger(__name__)
TOP_ALARMS = 10
TOP_ANOMALIES = 5  # per domain
SECTIONS = ("kpis", "alarms", "incidents", "anomalies")
TITLES = {"kpis": "Key performance indicators", "alarms": "Alarms",
          "incidents": "Incidents", "anomalies": "Top anomalies"}


def alarm_section(start: int, end: int) -> dict:
    """Alarms first raised in [start, end): counts by severity and domain, the worst ones."""
    raised = (Alarm.first_seen >= start) & (Alarm.first_seen < end)
    rows = db.session.execute(select(Alarm.severity, Alarm.domain, func.count())
                              .where(raised).group_by(Alarm.severity, Alarm.domain)).all()
    by_severity = dict.fromkeys(SEVERITIES, 0)
    by_domain: dict[str, int] = {}
    for severity, domain, count in rows:
        by_severity[severity] = by_severity.get(severity, 0) + count
        by_domain[domain or "system"] = by_domain.get(domain or "system", 0) + count
    alarms = db.session.scalars(select(Alarm).where(raised)).all()
    worst = sorted(alarms, key=lambda a: (SEVERITY_RANK.get(a.severity, 99), -a.count,
                                          -a.first_seen))[:TOP_ALARMS]
    return {"total": sum(by_severity.values()), "by_severity": by_severity,
            "by_domain": dict(sorted(by_domain.items())),
            "top": [{"id": a.id, "type": a.type, "severity": a.severity, "domain": a.domain,
                     "originator": a.originator_id, "status": a.status, "count": a.count,
                     "first_seen": a.first_seen, "peak_value": a.peak_value} for a in worst]}


def incident_section(start: int, end: int) -> list[dict]:
    """Each domain that declares incidents: its incidents reported in [start, end)."""
    out = []
    for name, domain in domains.enabled(current_app).items():
        if domain.incident_source is None:
            continue
        try:
            items = domain.incident_source(start, end)
        except Exception as exc:  # noqa: BLE001 - one broken source must not hide the others
            log.exception("incidents of %s failed", name)
            out.append({"domain": name, "title": domain.title, "items": [], "error": str(exc)})
            continue
        out.append({"domain": name, "title": domain.title, "total": len(items),
                    "open": sum(i["status"] not in ("resolved", "closed") for i in items),
                    "items": items})
    return out


def anomaly_section(start: int, end: int) -> list[dict]:
    """Per domain, the readings anomaly rules flagged in [start, end) with the largest |score|."""
    rows = db.session.execute(
        select(Device.domain, AnomalyFlag.device_id, AnomalyFlag.key, AnomalyFlag.ts,
               AnomalyFlag.score, AlertRule.name)
        .join(Device, Device.id == AnomalyFlag.device_id)
        .join(AlertRule, AlertRule.id == AnomalyFlag.rule_id)
        .where(AnomalyFlag.ts >= start, AnomalyFlag.ts < end)).all()
    grouped: dict[str, list] = {}
    for domain, device_id, key, ts, score, rule in rows:
        grouped.setdefault(domain, []).append(
            {"device_id": device_id, "key": key, "ts": ts, "score": round(score, 3),
             "rule": rule})
    return [{"domain": domain, "total": len(items),
             "top": sorted(items, key=lambda i: (-abs(i["score"]), -i["ts"]))[:TOP_ANOMALIES]}
            for domain, items in sorted(grouped.items())]


def build(period: str = "week", at: int | None = None) -> dict:
    """The report of the period ending at the last complete hour before `at` (default now)."""
    start, end, _ = kpis.window(period, at)
    return {"title": f"City report, {period}", "period": period, "start": start, "end": end,
            "generated_at": now_ms(), "sections": list(SECTIONS),
            "kpis": kpis.overview(period, at)["domains"], "alarms": alarm_section(start, end),
            "incidents": incident_section(start, end),
            "anomalies": anomaly_section(start, end)}
