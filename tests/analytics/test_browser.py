"""The Analytics and Reports pages in a real browser (Debian's chromium through Playwright) on
the kit's live city: KPIs, a forecast with its interval and backtest, a correlation; the report
as the page shows it, its CSV and PDF downloads, and a subscription made and ended.

Screenshots: docs/screenshots/analytics.png, docs/screenshots/reports.png.
"""

import csv
import io
import math
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.broker import wait_until
from tests.browser import shoot

HOUR = 3_600_000


@pytest.fixture(scope="module")
def history(city):
    """Six more days of hourly PM2.5 at aq-1 (a daily cycle) before the kit's one day, and a
    PM2.5 reading at aq-2 over the kit's critical rule, so the report has an alarm."""
    end = int(time.time() * 1000) // HOUR * HOUR - 24 * HOUR
    points = [{"device_id": "aq-1", "ts": end - i * HOUR + 60_000, "values": {
        "pm25": round(14 + 6 * math.sin(2 * math.pi * ((end - i * HOUR) // HOUR % 24) / 24), 2)}}
        for i in range(1, 6 * 24)]
    city.api("POST", "/api/telemetry/batch", json=points)
    city.reading("aq-2", {"pm25": 180})
    wait_until(lambda: city.api("GET", "/api/alerts", params={"severity": "critical"})["items"],
               timeout=20)
    return city


def test_analytics_shows_kpis_a_forecast_and_a_correlation(operator, history):
    page = operator.goto("/analytics")
    page.wait_for_selector("#kpi-domains[data-domains]")
    env = page.locator("[data-domain=environment]")
    assert env.locator("caption").inner_text() == "Environment"
    pm = env.locator("tr[data-id=pm25_mean]")
    assert "µg/m³" in pm.locator("td").nth(1).inner_text()
    assert "ISO 37120" in pm.locator("td").nth(0).inner_text()
    assert pm.locator("td").nth(5).inner_text()  # the definition
    page.select_option("#forecast-device", "aq-1")
    page.select_option("#forecast-key", "pm25")
    page.fill("#forecast-history", "6")
    page.click("#forecast-form button[type=submit]")
    page.wait_for_selector("#forecast-chart[data-state=ready]")
    assert page.locator("#forecast-chart polygon.band").count() == 1
    assert "95 % prediction interval" in page.locator("#forecast-chart").inner_text()
    note = page.locator("#forecast-backtest").inner_text()
    assert "Backtest on the last 2 days" in note and "seasonal naive baseline CV(RMSE)" in note
    page.wait_for_selector("#forecast-accuracy-none")  # nothing issued and scored yet
    page.select_option("#corr-a", "aq-1:pm25")
    page.select_option("#corr-b", "aq-1:no2")
    page.click("#corr-form button[type=submit]")
    page.wait_for_selector("#corr-result[data-state=ready]")
    assert page.locator("#corr-result tbody tr").count() == 2
    shoot(page, "analytics", full_page=True)
    assert operator.errors == []


def test_reports_shows_the_report_and_downloads_csv_and_pdf(operator, history):
    page = operator.goto("/reports")
    page.wait_for_selector("#report-body .report")
    sections = page.locator("#report-body [data-section]")
    assert [sections.nth(i).get_attribute("data-section") for i in range(4)] == [
        "kpis", "alarms", "incidents", "anomalies"]
    page.select_option("#report-period", "day")
    next_hour = datetime.fromtimestamp(time.time() // 3600 * 3600 + 3600, UTC)
    page.fill("#report-end", next_hour.strftime("%Y-%m-%dT%H:%M"))  # the alarm is this hour's
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-body[data-period=day] .report[data-period=day]")
    top = page.locator("#report-alarms table", has_text="Most severe")
    assert "critical" in top.locator("tbody tr").first.inner_text()
    with page.expect_download() as got:
        page.click("#report-csv")
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text("utf-8"))))
    assert got.value.suggested_filename == "city-report-day.csv"
    assert {"report", "kpis", "alarms_by_severity"} <= {r["section"] for r in rows}
    with page.expect_download() as got:
        page.click("#report-pdf")
    assert Path(got.value.path()).read_bytes().startswith(b"%PDF-")
    shoot(page, "reports", full_page=True)
    assert operator.errors == []


def test_an_operator_subscribes_and_unsubscribes(operator, history):
    page = operator.goto("/reports")
    page.wait_for_selector("#schedule-list table")
    page.fill("#schedule-name", "Weekly to the mayor")
    page.select_option("#schedule-cadence", "weekly")
    page.select_option("#schedule-weekday", "4")
    page.fill("#schedule-hour", "7")
    page.fill("#schedule-target", "mayor@city.test")
    page.click("#schedule-form button[type=submit]")
    row = page.locator("#schedule-list tbody tr", has_text="Weekly to the mayor")
    row.wait_for()
    assert "Fridays at 07:00 UTC" in row.inner_text()
    assert "e-mail (PDF): mayor@city.test" in row.inner_text()
    page.fill("#schedule-target", "not an address")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#schedule-error').textContent"
                           ".includes('target')")
    row.get_by_role("button", name="Delete Weekly to the mayor").click()
    row.wait_for(state="detached")
    # the browser logs the refused subscription's 400; nothing else went wrong
    assert [e for e in operator.errors if "status of 400" not in e] == []
    operator.errors.clear()


def test_a_viewer_sees_the_report_but_not_the_subscriptions(viewer, history):
    page = viewer.goto("/reports")
    page.wait_for_selector("#report-body .report")
    assert page.locator("#schedules-heading").count() == 0
    assert viewer.errors == []


@pytest.mark.parametrize("path", ["/analytics", "/reports"])
def test_the_pages_have_no_serious_accessibility_violations(operator, history, path,
                                                           axe_in_both_themes):
    page = operator.goto(path)
    page.wait_for_selector("#kpi-domains[data-domains]" if path == "/analytics"
                           else "#report-body .report")
    assert axe_in_both_themes(page) == {}
