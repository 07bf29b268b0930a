"""The feeder forecasts on the demo city's own data: three weeks of the simulator's hourly
energy and weather readings stored through the batch API."""

import pytest

from smartcity.extensions import db
from smartcity.simulator.fleet import Fleet
from smartcity.simulator.seed import seed_city
from smartcity.timeutil import now_ms

HOUR = 3_600_000
DAYS = 21


@pytest.fixture
def simulated(app, client, headers, tmp_path, city):
    with app.app_context():
        seed_city(tmp_path / "keys.json")
        db.session.remove()
    ids = {d.id for d in city.devices if d.type in (
        "energy_meter", "generator", "battery", "weather_station")}
    fleet = Fleet(42, city=city, ids=ids)
    end = now_ms() // HOUR * HOUR
    body = []
    for i in range(DAYS * 24):
        ts = end - (DAYS * 24 - i) * HOUR
        body += [{"device_id": d, "ts": ts, "values": v} for d, v in fleet.sample_all(ts / 1000)]
    operator = headers("operator")
    for i in range(0, len(body), 1000):
        response = client.post("/api/telemetry/batch", json=body[i:i + 1000], headers=operator)
        assert response.status_code == 201 and not response.get_json()["rejected"]
    return end


def test_forecasts_beat_seasonal_naive_on_the_simulators_data(api, simulated):
    body = api("/api/energy/forecast", hours=24)
    items = body["items"]
    assert len(items) == 12 and not [i for i in items if "error" in i]
    beaten = [i["feeder_id"] for i in items if i["backtest"]["beats_baseline"]]
    assert beaten == [i["feeder_id"] for i in items]
    for item in items:
        scores = item["backtest"]["methods"][item["method"]]
        assert scores["cv_rmse"] < 30 and abs(scores["nmbe"]) < 10  # ASHRAE 14 hourly limits


def test_the_demo_grid_sums_and_shares(api, simulated):
    grid = api("/api/energy/grid")
    assert len(grid["feeders"]) == 12 and all(f["capacity_kw"] for f in grid["feeders"])
    by_sector = api("/api/energy/consumption", group_by="sector", interval="1d", start="-7d")
    assert {g["id"] for g in by_sector["groups"]} == {"residential", "public", "commercial"}
    renewables = api("/api/energy/renewables", start="-7d")
    assert 0 < renewables["share"] < 1 and {s["kind"] for s in renewables["sources"]} == {
        "solar", "wind"}
