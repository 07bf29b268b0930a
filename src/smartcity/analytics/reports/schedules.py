"""Report subscriptions: stored schedules, and the job that sends the due ones.

The job builds the report and hands it to the notifications' delivery log as a `report.daily`
or `report.weekly` event (webhook: the report as JSON, signed like alarm events; e-mail: a short
summary with the report attached as PDF or CSV), so retries, backoff and the log are the
alarms' own. A schedule runs at `hour`:00 UTC, weekly ones on `weekday` (0 is Monday); a run
that was missed (the app was down) is sent once at the next tick, not once per missed slot.
"""

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from smartcity.analytics.models import ReportSchedule
from smartcity.analytics.reports import render, service
from smartcity.audit.service import record
from smartcity.errors import not_found
from smartcity.extensions import db
from smartcity.notifications.dispatcher import get_dispatcher
from smartcity.notifications.models import NotificationDelivery
from smartcity.timeutil import iso, now_ms

DEFAULT_PERIOD = {"daily": "day", "weekly": "week"}
FIELDS = ("name", "cadence", "period", "channel", "target", "format", "hour", "weekday",
          "enabled")


def next_run(cadence: str, hour: int, weekday: int, after: int) -> int:
    """The first `hour`:00 UTC (on `weekday` when weekly) strictly after `after` (ms)."""
    moment = datetime.fromtimestamp(after / 1000, UTC)
    candidate = moment.replace(hour=hour, minute=0, second=0, microsecond=0)
    if cadence == "weekly":
        candidate += timedelta(days=(weekday - candidate.weekday()) % 7)
    step = timedelta(days=7 if cadence == "weekly" else 1)
    while candidate <= moment:
        candidate += step
    return int(candidate.timestamp() * 1000)


def to_dict(row: ReportSchedule) -> dict:
    out = {name: getattr(row, name) for name in FIELDS}
    last = db.session.get(NotificationDelivery, row.last_delivery_id) \
        if row.last_delivery_id else None
    return out | {"id": row.id, "has_secret": bool(row.secret), "next_run": iso(row.next_run_ms),
                  "last_run": iso(row.last_run_ms), "created_by": row.created_by,
                  "last_delivery": None if last is None else {
                      "id": last.id, "status": last.status, "attempts": last.attempts,
                      "last_error": last.last_error, "delivered_at": iso(last.delivered_at)}}


def get(schedule_id: int) -> ReportSchedule:
    row = db.session.get(ReportSchedule, schedule_id)
    if row is None:
        raise not_found("report schedule")
    return row


def listing() -> list[ReportSchedule]:
    return list(db.session.scalars(select(ReportSchedule).order_by(ReportSchedule.id)))


def _reschedule(row: ReportSchedule, now: int) -> None:
    row.next_run_ms = next_run(row.cadence, row.hour, row.weekday, now)


def create(data: dict, actor: str | None) -> ReportSchedule:
    data = {**data, "period": data.get("period") or DEFAULT_PERIOD[data["cadence"]]}
    row = ReportSchedule(**data, created_by=actor)
    _reschedule(row, now_ms())
    db.session.add(row)
    db.session.flush()
    # A subscription sends city data out of the platform: who sent it where is audited.
    record("report_schedule.created", "report_schedule", row.id,
           {"channel": row.channel, "target": row.target, "cadence": row.cadence})
    db.session.commit()
    return row


def update(row: ReportSchedule, changes: dict) -> ReportSchedule:
    for name, value in changes.items():
        setattr(row, name, value)
    if {"cadence", "hour", "weekday"} & changes.keys():
        _reschedule(row, now_ms())
    record("report_schedule.updated", "report_schedule", row.id, {"fields": sorted(changes)})
    db.session.commit()
    return row


def delete(row: ReportSchedule) -> None:
    record("report_schedule.deleted", "report_schedule", row.id,
           {"channel": row.channel, "target": row.target})
    db.session.delete(row)
    db.session.commit()


def send(row: ReportSchedule, now: int | None = None) -> int:
    """Queue the schedule's report now (built at `now`); returns the delivery's id."""
    now = now_ms() if now is None else now
    report = service.build(row.period, now)
    event = {"event": f"report.{row.cadence}", "format": row.format,
             "schedule": {"id": row.id, "name": row.name}, "report": report}
    dispatcher = get_dispatcher(current_app)
    (delivery_id,) = dispatcher.enqueue_event(
        event, [{"channel": row.channel, "target": row.target, "secret": row.secret}],
        "report", now=now)
    row.last_run_ms, row.last_delivery_id = now, delivery_id
    db.session.commit()
    dispatcher.wake()
    return delivery_id


def send_due(now: int | None = None) -> dict:
    """Scheduler job: send every enabled schedule whose time has come, then set its next."""
    now = now_ms() if now is None else now
    due = db.session.scalars(select(ReportSchedule).where(
        ReportSchedule.enabled.is_(True), ReportSchedule.next_run_ms <= now)
        .order_by(ReportSchedule.next_run_ms)).all()
    for row in due:
        _reschedule(row, now)
        send(row, now)
    return {"sent": len(due)}


def compose_email(event: dict) -> tuple[str, str, list]:
    """The e-mail of a report event: a summary in the text, the report attached."""
    report, fmt = event["report"], event.get("format", "pdf")
    period = f"{iso(report['start'])[:16]} to {iso(report['end'])[:16]} UTC"
    lines = [f"{event['schedule']['name']}: the city report of the {report['period']} "
             f"{period}.", ""]
    for domain in report["kpis"]:
        for k in domain["kpis"]:
            value = "no data" if k["value"] is None else f"{k['value']} {k['unit']}"
            state = {True: " (target met)", False: " (target not met)"}.get(k.get("met"), "")
            lines.append(f"- {domain['title']}: {k['title']}: {value}{state}")
    alarms = report["alarms"]
    lines += ["", f"Alarms raised: {alarms['total']} ("
              + ", ".join(f"{n} {s}" for s, n in alarms["by_severity"].items() if n) + ")"
              if alarms["total"] else "Alarms raised: none"]
    for source in report["incidents"]:
        lines.append(f"{source['title']} incidents: {len(source['items'])}")
    flagged = sum(d["total"] for d in report["anomalies"])
    lines += [f"Anomalous readings flagged: {flagged}", "",
              f"The full report is attached ({fmt.upper()})."]
    name = f"city-report-{report['period']}-{iso(report['end'])[:10]}.{fmt}"
    attachment = (render.to_pdf(report), "application/pdf") if fmt == "pdf" else \
        (render.to_csv(report).encode(), "text/csv")
    ending = iso(report["end"])[:16].replace("T", " ")
    subject = f"[smartcity] {report['title']} ending {ending} UTC"
    return subject, "\n".join(lines) + "\n", [(name, attachment[1], attachment[0])]
