"""The Traffic and Emergency pages in a real browser (chromium through Playwright, as the
dashboard's browser tests): a live `run.py serve` on the demo city's assets with its counters,
a signal, and emergency vehicles registered through the API.

Screenshots: docs/screenshots/traffic.png, docs/screenshots/emergency.png.
"""

import time

import pytest

from smartcity.simulator.city import generate_city
from tests.broker import wait_until
from tests.browser import LiveServer, serve, shoot, store_city_and_users


def _devices(server: LiveServer) -> None:
    """The demo city's counters, signals and emergency vehicles; a minute of counter readings."""
    city = generate_city(42)
    kinds = ("ambulance", "fire_engine", "police_car")
    wanted = [d for d in city.devices if d.type in ("traffic_counter", "traffic_signal")
              or (d.type == "vehicle" and d.metadata.get("kind") in kinds)]
    for spec in wanted:
        server.api("POST", "/api/devices", json=spec.api_body())
    now = int(time.time() * 1000)
    readings = []
    for spec in wanted:
        if spec.type == "traffic_counter":
            seg = city.segments[spec.asset_id]
            readings += [{"device_id": spec.id, "ts": now - m * 60_000,
                          "values": {"intensity": 400.0 + 40 * (m % 7),
                                     "speed": seg.speed_kmh * (0.35 if spec.id == "cnt-1"
                                                               else 0.9)}}
                         for m in range(30)]
    server.api("POST", "/api/telemetry/batch", json=readings)


@pytest.fixture(scope="module")
def city(database_url, tmp_path_factory):
    store_city_and_users(database_url)
    with serve(database_url, tmp_path_factory.mktemp("emergency-server")) as running:
        _devices(running)
        yield running


def test_traffic_page_congestion_incidents_and_signals(operator, city):
    page = operator.goto("/traffic")
    page.locator("#traffic-signals tbody tr").first.wait_for()
    page.wait_for_selector("#traffic-map path.leaflet-interactive")
    congestion = city.api("GET", "/api/traffic/congestion")
    index = page.locator("[data-tile=traffic-index] .tile-number").inner_text()
    assert float(index) == pytest.approx(congestion["city"]["index"], abs=0.01)
    segment = congestion["segments"][0]["segment_id"]
    page.fill("#traffic-incident-form [name=segment_id]", segment)
    page.select_option("#traffic-incident-form [name=type]", "closure")
    page.click("#traffic-incident-form button[type=submit]")
    page.locator("#traffic-incidents tbody tr").first.wait_for()
    page.wait_for_selector("#traffic-map[data-closed='1']")
    (incident,) = city.api("GET", "/api/traffic/incidents?status=open")["items"]
    assert incident["segment_id"] == segment and incident["capacity_share"] == 0
    signals = city.api("GET", "/api/traffic/optimization/signals")["items"]
    assert page.locator("#traffic-signals tbody tr").count() == len(signals)
    page.wait_for_selector("#traffic-peak-chart .peak-bars[data-day=weekday]")
    assert page.locator("#traffic-peak-chart .peak-bar").count() == 48
    shoot(page, "traffic", full_page=True)
    page.locator(f"#traffic-incidents tr[data-id='{incident['id']}'] button").click()
    wait_until(lambda: not city.api("GET", "/api/traffic/incidents?status=open")["items"],
               timeout=10)
    assert operator.errors == []


def test_emergency_page_recommend_dispatch_route_and_broadcast(operator, city):
    target = generate_city(42).assets["district-5"].geometry["coordinates"][0][0]
    incident = city.api("POST", "/api/emergency/incidents", json={
        "type": "medical", "priority": 1, "location": {"lat": target[1], "lon": target[0]}})
    page = operator.goto("/emergency")
    card = page.locator(f"#emergency-board li[data-incident='{incident['id']}']")
    card.locator("button").click()
    first = page.locator("#emergency-recs tbody tr").first
    first.wait_for()
    ranked = city.api("GET", f"/api/emergency/incidents/{incident['id']}/recommendations")
    assert first.get_attribute("data-id") == ranked["items"][0]["unit"]["id"]
    first.locator("button").click()
    page.wait_for_selector("#emergency-map[data-route]")
    page.wait_for_selector(
        f"#emergency-board [data-status=dispatched] li[data-incident='{incident['id']}']")
    form = "#emergency-broadcast"
    page.fill(f"{form} [name=headline]", "Road closed near the station")
    page.fill(f"{form} [name=event]", "Road closure")
    page.fill(f"{form} [name=description]", "A burst main floods the street.")
    page.fill(f"{form} [name=district_ids]", "district-5")
    page.click(f"{form} button[type=submit]")
    # the table has a placeholder row until the broadcast is stored: wait for the alert itself
    page.locator("#emergency-alerts tbody tr", has_text="Road closed near the station").wait_for()
    (alert,) = city.api("GET", "/api/emergency/alerts")["items"]
    assert alert["area"]["district_ids"] == ["district-5"]
    shoot(page, "emergency", full_page=True)
    assert operator.errors == []
