"""City reports: the stated sections in JSON, a CSV that parses, a PDF that renders."""

import csv
import io
import time

import pytest

from smartcity.alerts.service import raise_alarm
from smartcity.telemetry.pipeline import get_pipeline
from tests.roadkit import road_city  # noqa: F401 - the small city with roads and a district

HOUR = 3_600_000
DAY = 24 * HOUR


@pytest.fixture
def city(app, client, road_city, make_device, store, operator_headers, admin_headers):  # noqa: F811
    """A day with readings, three alarms, a traffic and an emergency incident, one anomaly."""
    now = int(time.time() * 1000)
    end = now // HOUR * HOUR + HOUR  # the report's window then covers the last 24 h up to now
    make_device("aq-1", type="air_quality_station")
    rule = client.post("/api/alert-rules", headers=admin_headers, json={
        "name": "pm25 anomaly", "kind": "anomaly", "scope": {"device_id": "aq-1"},
        "key": "pm25", "severity": "minor", "warmup": 5, "z_threshold": 4}).get_json()
    base = now - 40 * 60_000
    store([("aq-1", base + i * 60_000, {"pm25": 10.0 + i % 3, "aqi": 40}) for i in range(30)]
          + [("aq-1", base + 30 * 60_000, {"pm25": 90.0, "aqi": 170})])
    with app.app_context():
        get_pipeline().call(lambda _conn: None)  # the rule engine has run on those readings
        raise_alarm("device", "cnt-1", "congestion_high", "critical", {}, value=2.1,
                    domain="traffic")
        raise_alarm("asset", "district-1", "aqi_high", "major", {}, value=160,
                    domain="environment")
    traffic = client.post("/api/traffic/incidents", headers=operator_headers, json={
        "segment_id": "seg-ab", "type": "accident", "description": "two cars"})
    emergency = client.post("/api/emergency/incidents", headers=operator_headers, json={
        "type": "fire", "priority": 1, "location": {"lat": 45.0, "lon": 7.0},
        "description": "kitchen fire"})
    assert traffic.status_code == 201 and emergency.status_code == 201
    return {"end": end, "rule": rule}


def report(client, headers, **query):
    response = client.get("/api/analytics/reports", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def test_the_report_has_every_stated_section(client, viewer_headers, city):
    body = report(client, viewer_headers, period="day", end=city["end"]).get_json()
    assert body["sections"] == ["kpis", "alarms", "incidents", "anomalies"]
    assert (body["start"], body["end"]) == (city["end"] - DAY, city["end"])
    env = next(d for d in body["kpis"] if d["domain"] == "environment")
    assert {k["name"] for k in env["kpis"]} >= {"pm25_mean", "good_aqi_hours"}
    alarms = body["alarms"]
    assert alarms["total"] == 3  # the anomaly rule's alarm and the two raised
    assert (alarms["by_severity"]["critical"], alarms["by_severity"]["major"],
            alarms["by_severity"]["minor"]) == (1, 1, 1)
    assert alarms["by_domain"] == {"environment": 2, "traffic": 1}
    assert [a["severity"] for a in alarms["top"]] == ["critical", "major", "minor"]
    incidents = {s["domain"]: s for s in body["incidents"]}
    assert set(incidents) == {"traffic", "emergency"}
    assert [i["type"] for i in incidents["traffic"]["items"]] == ["accident"]
    assert incidents["emergency"]["items"][0]["severity"] == "priority 1"
    assert incidents["emergency"]["open"] == 1
    (anomalies,) = body["anomalies"]
    assert anomalies["domain"] == "environment" and anomalies["total"] == 1
    assert anomalies["top"][0]["device_id"] == "aq-1" and anomalies["top"][0]["score"] > 4
    assert anomalies["top"][0]["rule"] == "pm25 anomaly"


def test_a_period_before_the_events_has_empty_sections(client, viewer_headers, city):
    body = report(client, viewer_headers, period="day", end=city["end"] - 2 * DAY).get_json()
    assert body["alarms"]["total"] == 0 and body["alarms"]["top"] == []
    assert all(s["items"] == [] for s in body["incidents"]) and body["anomalies"] == []


def test_the_csv_parses_into_one_table_with_a_section_column(client, viewer_headers, city):
    response = report(client, viewer_headers, period="day", format="csv", end=city["end"])
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    sections = {r["section"] for r in rows}
    assert sections == {"report", "kpis", "alarms_by_severity", "alarms_by_domain",
                        "alarms_top", "incidents", "anomalies"}
    kpi = next(r for r in rows if r["section"] == "kpis" and r["item"] == "good_aqi_hours")
    assert kpi["domain"] == "environment" and kpi["unit"] == "%"
    by_severity = {r["item"]: int(r["value"]) for r in rows
                   if r["section"] == "alarms_by_severity"}
    assert by_severity["critical"] == 1
    fire = next(r for r in rows if r["section"] == "incidents" and r["domain"] == "emergency")
    assert fire["status"] == "reported" and "kitchen fire" in fire["detail"]


def test_csv_text_that_a_spreadsheet_would_run_is_quoted(client, viewer_headers, city,
                                                        operator_headers):
    client.post("/api/emergency/incidents", headers=operator_headers, json={
        "type": "flood", "priority": 2, "location": {"lat": 45.0, "lon": 7.0},
        "description": "=HYPERLINK(\"http://x\")"})
    text = report(client, viewer_headers, period="day", format="csv",
                  end=city["end"]).get_data(as_text=True)
    details = [r["detail"] for r in csv.DictReader(io.StringIO(text))]
    assert not any(d.startswith("=") for d in details)


def test_the_pdf_renders_with_the_section_titles(client, viewer_headers, city):
    pypdf = pytest.importorskip("pypdf")
    response = report(client, viewer_headers, period="day", format="pdf", end=city["end"])
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data))
                     .pages)
    for title in ("Key performance indicators", "Alarms", "Incidents", "Top anomalies",
                  "kitchen fire", "pm25 anomaly"):
        assert title in text


def test_the_html_is_the_page_fragment_of_the_same_template(client, viewer_headers, city):
    html = report(client, viewer_headers, period="day", format="html",
                  end=city["end"]).get_data(as_text=True)
    assert "<html" not in html and 'data-section="anomalies"' in html
    assert "kitchen fire" in html


def test_the_html_escapes_what_users_wrote(client, viewer_headers, city, operator_headers):
    client.post("/api/emergency/incidents", headers=operator_headers, json={
        "type": "flood", "priority": 2, "location": {"lat": 45.0, "lon": 7.0},
        "description": "<img src=x onerror=alert(1)>"})
    html = report(client, viewer_headers, period="day", format="html",
                  end=city["end"]).get_data(as_text=True)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize(("query", "field"), [
    ({"period": "year"}, "period"), ({"format": "xls"}, "format"), ({"end": "soon"}, "end"),
])
def test_bad_query_is_a_400_naming_the_field(client, viewer_headers, query, field):
    response = client.get("/api/analytics/reports", query_string=query, headers=viewer_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_the_page_and_pdf_list_the_latest_incidents_and_the_csv_all(app):
    from smartcity.analytics.reports import render

    items = [{"id": f"i{n}", "type": "accident", "severity": "minor", "status": "resolved",
              "reported": n * 60_000, "resolved": None, "description": f"number {n}"}
             for n in range(render.INCIDENT_ROWS + 5)]
    report = {"title": "t", "period": "month", "start": 0, "end": DAY, "generated_at": DAY,
              "sections": [], "kpis": [], "anomalies": [],
              "alarms": {"total": 0, "by_severity": {}, "by_domain": {}, "top": []},
              "incidents": [{"domain": "traffic", "title": "Traffic", "total": len(items),
                             "open": 0, "items": items}]}
    with app.test_request_context():
        html = render.to_html(report)
        rows = render.to_csv(report).splitlines()
    assert "number 4<" not in html and "number 5<" in html
    assert f"the CSV lists all {len(items)}" in html
    assert sum(r.startswith("incidents,") for r in rows) == len(items)
