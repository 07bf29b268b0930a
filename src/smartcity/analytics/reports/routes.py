"""The report API: a period's report as JSON, CSV, HTML or PDF."""

from flask import Blueprint, Response, request

from smartcity.analytics.reports import render, service
from smartcity.analytics.reports.schemas import report_query
from smartcity.auth.guard import require_role
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
