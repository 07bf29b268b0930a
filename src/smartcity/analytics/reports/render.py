"""A built report as CSV, as HTML (the Reports page and the PDF share one template) and as PDF.

CSV layout (docs/architecture.md, Analytics): one table, one row per item, the `section` column
saying what the row is — report, kpis, alarms_by_severity, alarms_by_domain, alarms_top,
incidents, anomalies — with the columns CSV_COLUMNS; empty cells where a column does not apply.
"""

import csv
import io

from flask import render_template

from smartcity.analytics.reports.service import TITLES
from smartcity.timeutil import iso

# Incidents listed per domain on the page and in the PDF (the CSV and JSON list all): a busy
# month's 600 incidents made a 17-page PDF that took 13 s to print (bench/reports.py).
INCIDENT_ROWS = 50
CSV_COLUMNS = ["section", "domain", "item", "value", "unit", "target", "previous", "status",
               "time", "detail"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Spreadsheet-safe: text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def rows(report: dict):
    """The report's CSV rows as dicts over CSV_COLUMNS."""
    yield {"section": "report", "item": "period", "value": report["period"],
           "time": iso(report["start"]), "detail": f"until {iso(report['end'])}"}
    for domain in report["kpis"]:
        for k in domain["kpis"]:
            met = k.get("met")
            yield {"section": "kpis", "domain": domain["domain"], "item": k["name"],
                   "value": k["value"], "unit": k["unit"], "target": k["target"],
                   "previous": (k.get("trend") or {}).get("previous"),
                   "status": "" if met is None else ("met" if met else "not met"),
                   "detail": k.get("error") or k["title"]}
    alarms = report["alarms"]
    for severity, count in alarms["by_severity"].items():
        yield {"section": "alarms_by_severity", "item": severity, "value": count}
    for domain, count in alarms["by_domain"].items():
        yield {"section": "alarms_by_domain", "domain": domain, "item": "alarms", "value": count}
    for a in alarms["top"]:
        yield {"section": "alarms_top", "domain": a["domain"], "item": a["type"],
               "value": a["count"], "status": f"{a['severity']} {a['status']}",
               "time": iso(a["first_seen"]), "detail": a["originator"]}
    for source in report["incidents"]:
        for i in source["items"]:
            yield {"section": "incidents", "domain": source["domain"], "item": i["id"],
                   "status": i["status"], "time": iso(i["reported"]),
                   "detail": f"{i['type']} ({i['severity']}) {i.get('description') or ''}".strip()}
    for domain in report["anomalies"]:
        for a in domain["top"]:
            yield {"section": "anomalies", "domain": domain["domain"],
                   "item": f"{a['device_id']}:{a['key']}", "value": a["score"],
                   "time": iso(a["ts"]), "detail": a["rule"]}


def to_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows(report):
        writer.writerow({c: _cell(row.get(c)) for c in CSV_COLUMNS})
    return buffer.getvalue()


def _number(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def to_html(report: dict, standalone: bool = False) -> str:
    """The report as HTML: a fragment for the page, or a whole document for WeasyPrint."""
    return render_template("reports/report.html", report=report, standalone=standalone,
                           titles=TITLES, iso=iso, number=_number, incident_rows=INCIDENT_ROWS)


def to_pdf(report: dict) -> bytes:
    """The standalone HTML rendered to PDF by WeasyPrint (needs Debian's pango: make install)."""
    from weasyprint import HTML  # imported here: loading pango takes a while and most calls
    # never print

    return HTML(string=to_html(report, standalone=True)).write_pdf()
