"""The report API: a period's report as JSON, CSV, HTML or PDF; report subscriptions."""

from flask import Blueprint, Response, g, request

from smartcity.analytics.reports import render, schedules, service
from smartcity.analytics.reports.schemas import report_query, schedule_schema
from smartcity.auth.guard import require_role
from smartcity.http import json_body
from smartcity.timeutil import iso
from smartcity.validation import load

bp = Blueprint("reports", __name__, url_prefix="/api/analytics", template_folder="templates")
MIMETYPES = {"csv": "text/csv", "pdf": "application/pdf", "html": "text/html"}


def _download(report: dict, fmt: str) -> Response:
    body = {"csv": render.to_csv, "pdf": render.to_pdf,
            "html": render.to_html}[fmt](report)
    name = f"city-report-{report['period']}-{iso(report['end'])[:13].replace(':', '')}.{fmt}"
    disposition = "inline" if fmt == "html" else f'attachment; filename="{name}"'
    return Response(body, mimetype=MIMETYPES[fmt], headers={"Content-Disposition": disposition})


@bp.get("/reports")
@require_role("viewer")
def get_report():
    """A period's city report (KPIs, alarms, incidents, anomalies) as json, csv, html or pdf."""
    args = load(report_query, request.args)
    report = service.build(args["period"], args["end"])
    return report if args["format"] == "json" else _download(report, args["format"])


@bp.get("/report-schedules")
@require_role("operator")
def list_schedules():
    """List report subscriptions with their next run and last delivery."""
    return {"items": [schedules.to_dict(r) for r in schedules.listing()]}


@bp.post("/report-schedules")
@require_role("operator")
def create_schedule():
    """Subscribe an e-mail address or webhook to the daily or weekly city report."""
    row = schedules.create(load(schedule_schema, json_body()), g.principal.name)
    return schedules.to_dict(row), 201


@bp.get("/report-schedules/<int:schedule_id>")
@require_role("operator")
def get_schedule(schedule_id: int):
    """Show one report subscription."""
    return schedules.to_dict(schedules.get(schedule_id))


@bp.patch("/report-schedules/<int:schedule_id>")
@require_role("operator")
def update_schedule(schedule_id: int):
    """Change a report subscription (the secret is kept unless a new one is given)."""
    row = schedules.get(schedule_id)
    current = {name: getattr(row, name) for name in schedules.FIELDS} | {"secret": row.secret}
    data = load(schedule_schema, current | json_body())
    changes = {k: v for k, v in data.items() if v != current.get(k)}
    return schedules.to_dict(schedules.update(row, changes))


@bp.delete("/report-schedules/<int:schedule_id>")
@require_role("operator")
def delete_schedule(schedule_id: int):
    """End a report subscription (its delivery log stays)."""
    schedules.delete(schedules.get(schedule_id))
    return "", 204


@bp.post("/report-schedules/<int:schedule_id>/send")
@require_role("operator")
def send_schedule(schedule_id: int):
    """Send a subscription's report now, outside its schedule."""
    row = schedules.get(schedule_id)
    return {"delivery_id": schedules.send(row), "schedule": schedules.to_dict(row)}, 202
