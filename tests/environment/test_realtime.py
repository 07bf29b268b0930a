"""Live environment: environment_update on a category change, environment_alert, the snapshot,
the overview tile, the page shell, and the default rules a seeded city gets."""

import time

import pytest
from sqlalchemy import select

from smartcity.alerts.models import AlertRule
from smartcity.environment import derived, events
from smartcity.extensions import db
from smartcity.simulator.seed import seed_city
from tests.domain import HOUR, socket, wait_for

HALF = 1_800_000


def pm_hours(device_id, end, level, hours=24):
    return [(device_id, end - (i + 1) * HOUR + HALF, {"pm25": level}) for i in range(hours)]


def run_job(app, now):
    with app.app_context():
        derived.write_derived(app, now=now)
        db.session.remove()


@pytest.fixture
def station(make_device, districts):
    make_device("aq-live", name="Live air", asset_id="district-c",
                location={"lat": 45.005, "lon": 7.005})
    return "aq-live"


def names(client, event):
    return [e["args"][0] for e in client.get_received() if e["name"] == event]


def test_a_category_change_is_pushed_once_as_environment_update(app, login, station, store,
                                                                end_hour):
    sio = socket(app, login("viewer")["access_token"])
    assert sio.emit("join_room", {"room": "environment_monitoring"}, callback=True)["ok"]
    store(pm_hours(station, end_hour, 20.0))  # Moderate
    run_job(app, end_hour + 5 * 60_000)
    update = wait_for(sio, "environment_update")[-1]
    assert update["kind"] == "aqi_category"
    assert update["stations"][station]["category"] == "Moderate"
    assert update["stations"][station]["ts"] == end_hour - HOUR
    assert update["changes"][-1]["device_id"] == station
    # the next hour is just as Moderate: nothing to say
    store(pm_hours(station, end_hour + HOUR, 20.0, hours=1))
    run_job(app, end_hour + HOUR + 5 * 60_000)
    time.sleep(0.8)
    assert names(sio, "environment_update") == []
    # then PM2.5 jumps to 150 µg/m³: NowCast 90.0 with w = 0.5 weights -> Unhealthy
    store(pm_hours(station, end_hour + 3 * HOUR, 150.0, hours=2))
    run_job(app, end_hour + 3 * HOUR + 5 * 60_000)
    update = wait_for(sio, "environment_update")[-1]
    assert update["stations"][station]["category"] == "Unhealthy"
    assert update["changes"][-1]["previous"] == "Moderate"


def test_an_environment_alarm_is_pushed_as_environment_alert(app, login, station, store,
                                                             end_hour):
    with app.app_context():
        events.create_default_rules()
    sio = socket(app, login("viewer")["access_token"])
    sio.emit("subscribe_alerts", {"severity_levels": ["high"], "modules": ["environment"]},
             callback=True)
    store(pm_hours(station, end_hour, 80.0))  # AQI 168
    run_job(app, end_hour + 5 * 60_000)
    alert = wait_for(sio, "environment_alert")[0]
    assert alert["action"] == "created"
    assert alert["alarm"]["type"] == "aqi_unhealthy" and alert["alarm"]["domain"] == "environment"


def test_the_environment_snapshot_over_socket_io_and_http(app, login, api, station, store,
                                                          end_hour):
    store(pm_hours(station, end_hour, 20.0, hours=3))  # NowCast 20.0 -> 72
    sio = socket(app, login("viewer")["access_token"])
    sio.emit("request_real_time_data", {"data_type": "environment_monitoring"})
    data = wait_for(sio, "real_time_data")[0]["data"]
    assert data["stations"][0]["device_id"] == station
    assert data["summary"]["stations"] == 1
    body = api("/api/dashboard/real-time-data", data_type="environment")
    assert body["data"]["summary"]["stations"] == 1


def test_the_overview_tile_shows_the_city_aqi(api, station, store):
    from smartcity.timeutil import now_ms

    end = now_ms() // HOUR * HOUR
    store(pm_hours(station, end, 40.0, hours=3))  # 112, USG
    tile = next(t for t in api("/api/dashboard/overview")["tiles"] if t["name"] == "air-quality")
    assert tile["title"] == "Air quality" and tile["page_url"] == "/environment"
    assert tile["data"]["value"] == 112 and tile["data"]["status"] == "warning"
    assert tile["data"]["category"] == "Unhealthy for Sensitive Groups"
    assert "Live air" in tile["data"]["detail"]


def test_the_overview_tile_without_stations(api):
    tile = next(t for t in api("/api/dashboard/overview")["tiles"] if t["name"] == "air-quality")
    assert tile["data"]["value"] == "—"


def test_the_environment_page_is_served_and_in_the_navigation(client):
    page = client.get("/environment")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/js/pages/environment.js" in html
    assert 'href="/environment"' in html
    assert client.get("/static/js/pages/environment.js").status_code == 200


def test_a_seeded_city_gets_the_default_environment_rules(app, tmp_path):
    with app.app_context():
        seed_city(tmp_path / "demo-keys.json")
        rules = {r.name: r for r in db.session.scalars(select(AlertRule))}
        db.session.remove()
    assert (rules["AQI unhealthy"].operator, rules["AQI unhealthy"].value,
            rules["AQI unhealthy"].severity) == (">=", 151, "major")
    assert (rules["AQI very unhealthy"].value, rules["AQI very unhealthy"].severity) == (
        201, "critical")
    assert rules["Noise limit exceeded"].key == "noise_exceedance"
    assert rules["Noise limit exceeded"].scope_value == "noise_sensor"
