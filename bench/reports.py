#!/usr/bin/env python
"""Report rendering benchmark (no database reads): how long a city report takes as JSON, CSV,
HTML and PDF, for a quiet day and a busy month.

A report is built by hand in the shape analytics.reports.service.build returns (every KPI of
the domains, alarms, `incidents` incidents per domain, five anomalies per domain), then
rendered as GET /api/analytics/reports and the report e-mails do.

json_ms   orjson of the report (the baseline: what format=json costs after the build)
csv_ms    render.to_csv
html_ms   render.to_html (the Reports page's fragment; Jinja)
pdf_ms    render.to_pdf (the standalone HTML printed by WeasyPrint: layout + fonts)
pdf_over_html  pdf_ms / html_ms (printing against producing the HTML it prints)

Prints one JSON document on stdout.

    .venv/bin/python bench/reports.py [--rounds 5]
"""

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time

import orjson

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import log, machine_info  # noqa: E402

from smartcity import create_app  # noqa: E402
from smartcity.analytics.reports import render  # noqa: E402
from smartcity.config import TestConfig  # noqa: E402

HOUR, DAY = 3_600_000, 86_400_000
DOMAINS = ("environment", "traffic", "emergency", "waste", "energy", "water", "transport")


def make_report(period: str, incidents: int) -> dict:
    end = int(time.time() * 1000) // HOUR * HOUR
    start = end - (30 if period == "month" else 1) * DAY
    kpi = {"name": "k", "title": "An indicator", "unit": "%", "target": 90.0, "better": "higher",
           "iso": "ISO 37120 8.1", "definition": "A definition of a sentence or two " * 3,
           "value": 87.5, "met": False, "trend": {"previous": 85.0, "delta": 2.5,
                                                 "delta_pct": 2.94, "direction": "up",
                                                 "improving": True}}
    return {
        "title": f"City report, {period}", "period": period, "start": start, "end": end,
        "generated_at": end, "sections": ["kpis", "alarms", "incidents", "anomalies"],
        "kpis": [{"domain": d, "title": d.title(), "kpis": [kpi | {"name": f"{d}-{i}"}
                                                             for i in range(3)]}
                 for d in DOMAINS],
        "alarms": {"total": 40, "by_severity": {"critical": 2, "major": 10, "minor": 28,
                                                "warning": 0, "info": 0},
                   "by_domain": dict.fromkeys(DOMAINS, 5),
                   "top": [{"id": i, "type": "pm25_high", "severity": "major",
                            "domain": "environment", "originator": f"aq-{i}",
                            "status": "cleared_ack", "count": 3, "first_seen": start + i * HOUR,
                            "peak_value": 80.0} for i in range(10)]},
        "incidents": [{"domain": d, "title": d.title(), "total": incidents, "open": 1,
                       "items": [{"id": f"{d}-{i}", "type": "accident", "severity": "major",
                                  "status": "resolved", "reported": start + i * 60_000,
                                  "resolved": start + i * 60_000 + HOUR,
                                  "description": "two cars at the junction"}
                                 for i in range(incidents)]}
                      for d in ("traffic", "emergency")],
        "anomalies": [{"domain": d, "total": 12, "top": [
            {"device_id": f"{d}-dev", "key": "x", "ts": start + i * HOUR, "score": 5.5 - i,
             "rule": "anomaly"} for i in range(5)]} for d in DOMAINS],
    }


def timed(fn, rounds: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from pypdf import PdfReader

    tmp = tempfile.mkdtemp()
    app = create_app(TestConfig, {"DATABASE_URL": f"sqlite:///{tmp}/bench.db"})
    results = {}
    with app.test_request_context():
        render.to_pdf(make_report("day", 1))  # pango and fonts load once per process
        for name, period, incidents in (("quiet_day", "day", 3), ("busy_month", "month", 300)):
            log(f"rendering {name}")
            report = make_report(period, incidents)
            json_ms, _ = timed(lambda r=report: orjson.dumps(r), args.rounds)
            csv_ms, csv_text = timed(lambda r=report: render.to_csv(r), args.rounds)
            html_ms, _ = timed(lambda r=report: render.to_html(r), args.rounds)
            pdf_ms, pdf = timed(lambda r=report: render.to_pdf(r), args.rounds)
            results[name] = {"incidents": 2 * incidents, "json_ms": json_ms, "csv_ms": csv_ms,
                             "csv_rows": csv_text.count("\n") - 1, "html_ms": html_ms,
                             "pdf_ms": pdf_ms, "pdf_bytes": len(pdf),
                             "pdf_pages": len(PdfReader(io.BytesIO(pdf)).pages),
                             "pdf_over_html": round(pdf_ms / max(html_ms, 1e-3), 1)}
    app.extensions["smartcity.pipeline"].stop()
    print(json.dumps({"benchmark": "reports", "machine": machine_info(),
                      "load_before": os.getloadavg(), "rounds": args.rounds,
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
