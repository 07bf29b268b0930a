"""The Water page in a real browser (Debian's chromium through Playwright): a live `run.py serve`
on the test database with the demo city's water network and eight days of its simulated
readings (every 20 minutes), a leak injected in dma-2 last night and flagged by the nightly
check, and one quality sensor reporting low chlorine.

Screenshots: docs/screenshots/water.png (and water-*.png for the sizes and themes looked at).
"""

import time

import pytest

from tests.broker import wait_until
from tests.browser import axe_violations, serve, shoot, store_city_and_users, store_fleet

HOUR = 3_600_000
DAY = 24 * HOUR
STEP = 20 * 60_000
TYPES = ("water_meter", "pressure_sensor", "water_quality_sensor", "water_valve")


def _store_water(database_url: str) -> None:
    from smartcity.simulator import inject
    from smartcity.simulator.city import generate_city
    from smartcity.simulator.fleet import Fleet
    from smartcity.telemetry.points import Point
    from smartcity.water import events

    city = generate_city(42)
    specs = [d for d in city.devices if d.type in TYPES]
    now = int(time.time() * 1000) // STEP * STEP
    last_night = now // DAY * DAY - (DAY if now % DAY < 5 * HOUR else 0)
    leak = inject.plan("leak", city, (last_night + HOUR // 2) / 1000, target="dma-2")
    fleet = Fleet(42, city=city, ids={d.id for d in specs}, events=[leak])
    points = [Point(d, key, ts, value, None)
              for ts in range(now - 8 * DAY, now, STEP)
              for d, values in fleet.sample_all(ts / 1000)
              for key, value in values.items()]
    points.append(Point("wq-1", "chlorine", now, 0.1, None))

    def flag_the_leak(app) -> None:
        events.create_default_rules()
        assert events.night_check(app, last_night + 5 * HOUR)["suspected_bursts"] == ["dma-2"]

    store_fleet(database_url, specs, points, then=flag_the_leak)


@pytest.fixture(scope="module")
def city(database_url, tmp_path_factory):
    store_city_and_users(database_url)
    _store_water(database_url)
    with serve(database_url, tmp_path_factory.mktemp("water-server"), "ui-operator") as running:
        yield running


def opened(operator):
    page = operator.goto("/water")
    try:
        page.wait_for_selector("#water-map[data-dmas='6']", timeout=8000)
    except Exception:
        print("ERRORS", operator.errors, page.inner_text("body")[:2000])
        raise
    page.wait_for_selector("#water-flow[data-points]")
    return page


def test_the_page_ranks_the_leaking_dma_first(operator, city):
    page = opened(operator)
    assert page.locator("#water-ranking tbody tr").first.get_attribute("data-id") == "dma-2"
    assert page.locator("path[data-dma=dma-2]").get_attribute("data-rank") == "1"
    assert page.locator("path[data-rank=none]").count() == 0  # every DMA has its night
    leaks = city.api("GET", "/api/water/leaks")["items"]
    first = page.locator("#water-ranking tbody tr").first.inner_text()
    assert f"{leaks[0]['leakage_m3_per_day']:,.0f} m³/day" in first
    assert page.locator("[data-tile=water-leaks] .tile-number").inner_text() == "1"
    chart = page.locator("#water-flow .chart[data-key=inlet-flow]")
    assert int(chart.get_attribute("data-points")) == int(
        page.locator("#water-flow").get_attribute("data-points")) >= 7 * 24 - 1
    assert "Last night's minimum" in page.inner_text("#water-flow-note")
    assert "below limit" in page.locator("#water-quality tbody tr[data-id=wq-1]").inner_text()
    assert page.locator("[data-tile=water-quality] .tile-number").inner_text() == "1"
    pressure = page.locator("#water-pressure tbody tr[data-id=dma-2]").inner_text()
    assert "ps-2" in pressure and "ps-7" in pressure
    assert "one sensor: not checked" in page.locator(
        "#water-pressure tbody tr[data-id=dma-1]").inner_text()
    shoot(page, "water", full_page=True)
    assert operator.errors == []


def test_a_new_reading_reaches_the_open_page_live(operator, city):
    page = opened(operator)
    row = page.locator("#water-quality tbody tr[data-id=wq-2]")
    assert "below limit" not in row.inner_text()
    city.api("POST", "/api/telemetry/batch", json=[
        {"device_id": "wq-2", "ts": int(time.time() * 1000), "values": {"chlorine": 0.05}}])
    wait_until(lambda: "below limit" in row.inner_text(), timeout=20)
    assert operator.errors == []


def test_an_operator_isolates_a_dma_and_sees_its_commands(operator, city):
    page = opened(operator)
    page.select_option("#isolate-dma", "dma-6")
    page.wait_for_selector("#isolate-plan:has-text('valve-6')")
    page.fill("#isolate-reason", "burst on the main")
    page.click("#isolate-send")
    row = page.locator("#water-isolations tbody tr").first
    row.locator("text=valve-6: queued").wait_for()  # no broker in this server: it waits
    sent = city.api("GET", "/api/water/isolations")["items"][0]
    assert (sent["dma"], sent["action"], sent["reason"], sent["status"]) == (
        "dma-6", "close", "burst on the main", "pending")
    assert sent["valves"][0]["command"]["params"] == {"position": 0.0}
    assert operator.errors == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_page_has_no_serious_accessibility_violations(operator, theme):
    page = opened(operator)
    page.evaluate("t => { document.documentElement.dataset.theme = t }", theme)
    assert axe_violations(page) == []
