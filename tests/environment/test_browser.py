"""The Environment page in a real browser (Debian's chromium through Playwright, as the
dashboard's browser tests): a live `run.py serve` on the test database with the demo city's
districts, two stations with a day of readings and their derived hourly AQI.

Screenshot: docs/screenshots/environment.png.
"""

import time

import pytest

from smartcity import create_app
from smartcity.config import TestConfig
from tests.broker import wait_until
from tests.browser import axe_violations, serve, shoot, store_city_and_users
from tests.environment.fake_weather import KEY, FakeWeather

HOUR = 3_600_000
STATIONS = {"aq-1": ("Centro air", "district-5", 12.0), "aq-2": ("Porta Fiume air",
                                                                 "district-2", 6.0)}


def _store_stations(database_url: str) -> int:
    """Two stations in their districts with 26 hours of hourly readings and derived AQI."""
    from smartcity.assets.districts import centre
    from smartcity.assets.models import Asset
    from smartcity.devices import service as devices
    from smartcity.devices.schemas import device_create_schema
    from smartcity.environment import derived
    from smartcity.extensions import db
    from smartcity.telemetry.pipeline import get_pipeline
    from smartcity.telemetry.points import Point

    app = create_app(TestConfig, {"DATABASE_URL": database_url, "BCRYPT_ROUNDS": 4})
    end = int(time.time() * 1000) // HOUR * HOUR
    with app.app_context():
        points = []
        lat, lon = centre(db.session.get(Asset, "district-5").geometry)
        devices.create_device(device_create_schema.load({
            "id": "wx-1", "type": "weather_station", "name": "Centro weather",
            "asset_id": "district-5", "location": {"lat": lat, "lon": lon}}))
        now = int(time.time() * 1000) - 60_000  # fresh: a stale reading is never judged
        points.append(Point("wx-1", "temperature", now, 25.3, None))
        points.append(Point("wx-1", "humidity", now, 65.2, None))
        for device_id, (name, district, pm25) in STATIONS.items():
            lat, lon = centre(db.session.get(Asset, district).geometry)
            devices.create_device(device_create_schema.load({
                "id": device_id, "type": "air_quality_station", "name": name,
                "asset_id": district, "location": {"lat": lat, "lon": lon}}))
            for i in range(1, 27):
                ts = end - i * HOUR + 20 * 60_000
                points += [Point(device_id, "pm25", ts, pm25 + i % 5, None),
                           Point(device_id, "o3", ts, 60.0 + 3 * (i % 7), None),
                           Point(device_id, "no2", ts, 25.0 + 2 * (i % 4), None)]
        db.session.commit()
        job = get_pipeline().submit(points)
        assert job.wait(30) and job.error is None
        derived.write_derived(app, now=end + 2 * 60_000)
        db.session.remove()
        db.engine.dispose()
    app.extensions["smartcity.pipeline"].stop()
    return end


@pytest.fixture(scope="module")
def city(database_url, tmp_path_factory):
    store_city_and_users(database_url)
    end = _store_stations(database_url)
    weather = FakeWeather()  # the outside weather provider, on loopback
    try:
        with serve(database_url, tmp_path_factory.mktemp("env-server"), "ui-operator",
                   settings={"WEATHER_API_URL": weather.url, "WEATHER_API_KEY": KEY}) as running:
            running.end = end
            yield running
    finally:
        weather.close()


def test_the_page_shows_stations_on_the_map_in_the_table_with_chart_and_advice(operator, city):
    page = operator.goto("/environment")
    page.wait_for_selector("#env-map[data-markers='2']")
    page.locator("#env-table tbody tr[data-id=aq-1]").wait_for()
    expected = city.api("GET", "/api/environment/air-quality")["items"]
    for item in expected:
        row = page.locator(f"#env-table tbody tr[data-id={item['device_id']}]")
        assert row.locator(".aqi-number").inner_text() == str(item["aqi"])
        assert row.locator(".aqi-badge").first.inner_text() == item["category"]
        marker = page.locator(f".env-marker[data-device-id={item['device_id']}]")
        assert marker.get_attribute("data-category") == item["category"]
        assert marker.get_attribute("fill") == item["color"]
    worst = max(expected, key=lambda i: i["aqi"])
    assert page.locator("#env-station").input_value() == worst["device_id"]
    assert page.inner_text("#advice-text") == worst["advice"]
    page.wait_for_selector(f"#env-chart[data-station={worst['device_id']}] .chart canvas")
    assert int(page.locator("#env-chart .chart").get_attribute("data-points")) >= 20
    assert page.locator("[data-tile=env-city-aqi] .tile-number").inner_text() == str(
        worst["aqi"])
    page.locator("#env-noise table").wait_for()
    page.locator("#env-weather table").wait_for()
    provider = page.locator("#env-provider tbody tr[data-id=wx-1]")
    provider.wait_for()
    assert page.inner_text("#env-provider-status").startswith("Provider answering.")
    assert "18.5 °C · 72 %" in provider.inner_text()  # the fake provider's answer
    assert "differs from the weather provider by 6.8 °C" in provider.inner_text()
    shoot(page, "environment", full_page=True)
    assert operator.errors == []


def test_choosing_a_station_shows_its_chart_and_advice(operator, city):
    page = operator.goto("/environment")
    page.wait_for_selector("#env-chart .chart canvas")
    page.select_option("#env-station", "aq-2")
    page.wait_for_selector("#env-chart[data-station=aq-2]")
    aq2 = city.api("GET", "/api/environment/air-quality/aq-2")
    assert page.inner_text("#advice-category") == aq2["category"]
    assert page.locator("#env-table tr.selected").get_attribute("data-id") == "aq-2"
    assert operator.errors == []


def test_a_category_change_reaches_the_open_page_live(operator, city):
    page = operator.goto("/environment")
    page.wait_for_selector(".env-marker[data-device-id=aq-2]")
    before = page.locator(".env-marker[data-device-id=aq-2]").get_attribute("data-category")
    last_hour = city.end - HOUR
    # a burst of PM2.5 in the last complete hour, then its derived AQI (as the hourly job would
    # write it): the environment_update makes the page fetch the new picture
    city.api("POST", "/api/telemetry/batch", json=[
        {"device_id": "aq-2", "ts": last_hour + m * 60_000, "values": {"pm25": 400.0}}
        for m in range(40, 50)])
    now = city.api("GET", "/api/environment/air-quality/aq-2")
    assert now["category"] != before
    city.api("POST", "/api/telemetry/batch", json=[
        {"device_id": "aq-2", "ts": last_hour + 1, "values": {"aqi": now["aqi"]}}])
    page.wait_for_selector(
        f".env-marker[data-device-id=aq-2][data-category='{now['category']}']")
    assert page.locator("#env-table tr[data-id=aq-2] .aqi-number").inner_text() == str(
        now["aqi"])
    assert operator.errors == []


def test_the_overview_has_the_air_quality_tile(operator, city):
    page = operator.goto("/")
    tile = page.locator("[data-tile=air-quality]")
    tile.locator(".tile-number").wait_for()
    wait_until(lambda: tile.locator(".tile-number").inner_text() != "—", timeout=10)
    summary = city.api("GET", "/api/environment/air-quality/summary")
    assert tile.locator(".tile-number").inner_text() == str(summary["city_aqi"])
    assert tile.get_by_role("link", name="Air quality").get_attribute("href") == "/environment"
    page.locator("#nav a", has_text="Environment").click()
    page.wait_for_url(f"{city.url}/environment")
    # let the new page finish its token refresh: leaving mid-exchange would lose the new token
    page.wait_for_selector("body[data-role] #conn[data-state=online]")
    page.wait_for_selector("#env-map[data-markers='2']")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_page_has_no_serious_accessibility_violations(operator, theme):
    page = operator.goto("/environment")
    page.wait_for_selector("#env-chart .chart canvas")
    page.evaluate("t => { document.documentElement.dataset.theme = t }", theme)
    assert axe_violations(page) == []
