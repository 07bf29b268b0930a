"""The water API on a small stored network: two DMAs, readings through the real batch API."""

import pytest

from smartcity.alerts.models import AlertRule
from smartcity.extensions import db
from smartcity.timeutil import now_ms
from smartcity.water import events
from smartcity.water.network import BAR_TO_M
from tests.domain import DAY, HOUR
from tests.water.kit import hourly


@pytest.fixture
def night(dmas, store):
    """The night two days ago: MNF 25 m3/h at 03:00, bulk 2 m3/h, 5 bar at 02-04, 4 bar else."""
    midnight = now_ms() // DAY * DAY - 2 * DAY
    store(hourly("wm-1", "flow", {midnight + 2 * HOUR: 30.0, midnight + 3 * HOUR: 25.0}))
    store(hourly("wm-b", "flow", {midnight + 2 * HOUR: 2.0, midnight + 3 * HOUR: 2.0}))
    profile = {midnight + 4 * HOUR - DAY + h * HOUR: 4.0 for h in range(24)}
    profile[midnight + 2 * HOUR] = profile[midnight + 3 * HOUR] = 5.0
    store(hourly("ps-1", "pressure", profile))
    return midnight


def test_leaks_from_the_stored_night_flow(api, night):
    found = api("/api/water/leaks", night=night + 5 * HOUR)
    assert found["night"] == night
    first, second = found["items"]
    assert (first["dma"], first["status"], second["dma"], second["status"]) == (
        "dma-1", "ok", "dma-2", "no_data")
    assert first["min_night_flow_m3h"] == pytest.approx(25.0)
    assert first["min_night_flow_at"] == night + 3 * HOUR
    # 10 000 * 0.06 * 10 l/h = 6 m3/h + the bulk meter's 2 m3/h; net 17 m3/h
    assert first["legitimate_night_flow_m3h"] == pytest.approx(8.0)
    assert first["net_night_flow_m3h"] == pytest.approx(17.0)
    # FAVAD, N1 = 1, reference 5 bar at 03:00: 2 hours at 1 and 22 at 0.8
    assert first["hour_day_factor_source"] == "pressure"
    assert first["hour_day_factor"] == pytest.approx(2 + 22 * 0.8)
    assert first["leakage_m3_per_day"] == pytest.approx(17.0 * 19.6)
    pressure_m = (2 * 5.0 + 22 * 4.0) / 24 * BAR_TO_M
    uarl = (18 * 20 + 0.8 * 4000) * pressure_m / 1000
    assert first["uarl_m3_per_day"] == pytest.approx(uarl)
    assert first["ili"] == pytest.approx(17.0 * 19.6 / uarl)


def test_network_and_consumption(api, night):
    network = {d["id"]: d for d in api("/api/water/network")["items"]}
    assert network["dma-1"]["devices"]["inlet_meters"] == ["wm-1"]
    assert network["dma-1"]["devices"]["bulk_meters"] == ["wm-b"]
    assert network["dma-1"]["inlet_flow_m3h"] == pytest.approx(25.0)
    assert network["dma-1"]["min_pressure_bar"] == pytest.approx(5.0)  # 03:40
    assert network["dma-2"]["inlet_flow_m3h"] is None
    used = api("/api/water/consumption", start=night, end=night + DAY, interval="hour")
    dma1 = next(i for i in used["items"] if i["dma"] == "dma-1")
    assert [s["volume_m3"] for s in dma1["series"]] == pytest.approx([30.0, 25.0])
    assert dma1["total_m3"] == pytest.approx(55.0)


def test_leak_analysis_endpoint(client, viewer_headers):
    body = {"min_night_flow_m3h": 50, "population": 10_000, "non_household_users": 20,
            "non_household_use_lph": 50}
    response = client.post("/api/water/leak-analysis", json=body, headers=viewer_headers)
    assert response.status_code == 200
    got = response.get_json()
    assert got["legitimate_night_flow_m3h"] == pytest.approx(7.0)
    assert got["net_night_flow_m3h"] == pytest.approx(43.0)
    assert got["leakage_m3_per_day"] == pytest.approx(43.0 * 24)
    profile = [50.0] * 10 + [40.0] * 12 + [50.0] * 2
    got = client.post("/api/water/leak-analysis", headers=viewer_headers,
                      json=body | {"pressure_profile": profile, "night_hour": 3}).get_json()
    assert got["hour_day_factor"] == pytest.approx(21.6)
    assert got["leakage_m3_per_day"] == pytest.approx(43.0 * 21.6)


@pytest.mark.parametrize("body, field", [
    ({"population": 100}, "min_night_flow_m3h"),
    ({"min_night_flow_m3h": 5, "population": 100, "active_fraction": 2}, "active_fraction"),
    ({"min_night_flow_m3h": 5, "population": 100, "pressure_profile": [1.0] * 23},
     "pressure_profile"),
    ({"min_night_flow_m3h": 5, "population": 100, "pressure_profile": [0.0] * 24},
     "pressure_profile"),
    ({"min_night_flow_m3h": 5, "population": 100, "hour_day_factor": 20,
      "pressure_profile": [1.0] * 24}, "hour_day_factor"),
])
def test_leak_analysis_bad_input_names_the_field(client, viewer_headers, body, field):
    response = client.post("/api/water/leak-analysis", json=body, headers=viewer_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_ili_endpoint(client, viewer_headers):
    body = {"carl_m3_per_day": 1450, "mains_km": 100, "service_connections": 5000,
            "avg_pressure_m": 50}
    got = client.post("/api/water/ili", json=body, headers=viewer_headers).get_json()
    assert got["uarl_m3_per_day"] == pytest.approx(290.0)
    assert got["ili"] == pytest.approx(5.0)
    assert got["within_iwa_limits"] is True
    for change, field in (({"avg_pressure_m": 0}, "avg_pressure_m"),
                          ({"mains_km": 0}, "mains_km"),
                          ({"carl_m3_per_day": -1}, "carl_m3_per_day")):
        response = client.post("/api/water/ili", json=body | change, headers=viewer_headers)
        assert response.status_code == 400
        assert response.get_json()["error"]["details"]["field"] == field


def test_default_pressure_rules_are_created_once(app):
    with app.app_context():
        assert sorted(events.create_default_rules()) == [
            "High water free chlorine", "High water pH", "High water pressure",
            "High water turbidity", "Low water free chlorine", "Low water pH",
            "Low water pressure"]
        assert events.create_default_rules() == []
        assert db.session.query(AlertRule).filter(AlertRule.key == "pressure").count() == 2
