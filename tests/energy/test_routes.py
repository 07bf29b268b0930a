"""The energy API on a small grid: sums equal the meters' rollups, carbon and cost equal
hand-computed values, the grid shows overloads and batteries take commands."""

import pytest

from smartcity.energy import events
from smartcity.extensions import db
from tests.broker import wait_until
from tests.domain import socket, wait_for

from .conftest import MONDAY_17


def test_consumption_by_district_equals_the_meters_rollups(api, two_hours):
    body = api("/api/energy/consumption", group_by="district", interval="1h", **two_hours)
    groups = {g["id"]: g for g in body["groups"]}
    # district-a: em-1 10 and -5 kWh, plus gen-1 behind its head 0 and 15
    assert groups["district-a"]["metered_kwh"] == 5
    assert groups["district-a"]["generation_kwh"] == 15
    assert groups["district-a"]["consumption_kwh"] == 20
    assert [p["value"] for p in groups["district-a"]["series"]] == [10, 10]
    assert groups["district-b"]["consumption_kwh"] == 48
    assert body["total_kwh"] == 68 and body["coverage"] == 1
    # the same sums from the telemetry API's own hourly aggregates
    for district, meters in {"district-a": ["em-1"], "district-b": ["em-2", "em-3"]}.items():
        total = 0
        for meter in meters:
            series = api(f"/api/devices/{meter}/telemetry/aggregate", keys="power",
                         interval="1h", agg="avg", **two_hours)["series"]["power"]
            total += sum(p["value"] for p in series)
        assert groups[district]["metered_kwh"] == pytest.approx(total)


def test_consumption_by_sector(api, two_hours):
    body = api("/api/energy/consumption", group_by="sector", interval="1d", **two_hours)
    assert {g["id"]: g["consumption_kwh"] for g in body["groups"]} == {
        "residential": 60, "public": 8}
    assert len(body["groups"][0]["series"]) == 1  # one day


def test_renewables_share_and_self_sufficiency(api, two_hours):
    body = api("/api/energy/renewables", **two_hours)
    assert body["consumption_kwh"] == 68 and body["generation_kwh"] == 15
    assert body["share"] == pytest.approx(15 / 68, abs=1e-4)
    assert body["self_sufficiency"] == pytest.approx(15 / 68, abs=1e-4)
    assert {s["kind"]: s["generation_kwh"] for s in body["sources"]} == {"solar": 15, "wind": 0}


def test_carbon_is_grid_import_times_the_factor(make_app, headers, grid, two_hours):
    # imports: em-1 10 and 0 (exporting), em-2 20 + 20, em-3 4 + 4 = 58 kWh
    app = make_app(ENERGY_GRID_FACTOR=0.5)
    body = _viewer_get(app, headers, "/api/energy/carbon", interval="1d", **two_hours)
    assert body["city"]["grid_import_kwh"] == 58
    assert body["city"]["emissions_kg"] == pytest.approx(29)
    assert body["city"]["avoided_kg"] == pytest.approx(7.5)
    assert {d["id"]: d["emissions_kg"] for d in body["districts"]} == {
        "district-a": 5, "district-b": 24}
    assert [p["period"] for p in body["periods"]] == ["2026-11-30"]


def test_carbon_with_an_hourly_factor_profile(make_app, headers, grid, two_hours):
    profile = [0.3] * 24
    profile[17], profile[18] = 0.2, 0.6
    app = make_app(ENERGY_GRID_FACTOR_PROFILE=profile)
    body = _viewer_get(app, headers, "/api/energy/carbon", interval="1mo", **two_hours)
    assert body["city"]["emissions_kg"] == pytest.approx(34 * 0.2 + 24 * 0.6)
    assert body["city"]["avoided_kg"] == pytest.approx(15 * 0.6)
    assert body["periods"][0]["period"] == "2026-11"


def test_cost_at_the_peak_band_and_the_saving_from_shifting(api, two_hours):
    body = api("/api/energy/cost", group_by="district", flexible_share=0.5, **two_hours)
    assert body["cost"] == pytest.approx(58 * 0.32)
    assert body["shift_saving"] == pytest.approx(29 * (0.32 - 0.12))
    a = next(g for g in body["groups"] if g["id"] == "district-a")
    assert a["bands"]["peak"] == {"kwh": 10, "cost": 3.2}


def test_tariffs_price_every_hour(api):
    body = api("/api/energy/tariffs")
    assert body["prices"][0][18] == 0.32 and body["prices"][6][3] == 0.12
    assert len(body["prices"]) == 7 and all(len(day) == 24 for day in body["prices"])


def test_grid_shows_load_utilisation_and_overload(app, api, grid, store):
    store([("em-1", MONDAY_17, {"power": 40}), ("gen-1", MONDAY_17, {"power": 10}),
           ("em-2", MONDAY_17, {"power": 250}), ("bat-1", MONDAY_17, {"soc": 55, "power": 0})])
    body = api("/api/energy/grid")
    feeders = {f["id"]: f for f in body["feeders"]}
    assert feeders["feeder-1"]["utilisation"] == 0.4
    assert feeders["feeder-1"]["demand_kw"] == 50 and feeders["feeder-1"]["status"] == "ok"
    assert feeders["feeder-2"]["status"] == "overload"
    assert body["feeders"][0]["id"] == "feeder-2"  # most loaded first
    assert body["city"]["overloaded"] == 1
    assert body["substations"][0]["batteries"][0]["soc"] == 55


def test_utilisation_job_raises_the_overload_alarm(app, api, grid, store):
    with app.app_context():
        events.create_default_rules()
        db.session.remove()
    store([("em-2", MONDAY_17, {"power": 250})])
    with app.app_context():
        assert events.write_utilisation(app) == {"utilisation": 1}
        db.session.remove()
    latest = api("/api/devices/em-2/telemetry/latest")["values"]
    assert latest["utilisation"]["value"] == 125
    wait_until(lambda: api("/api/alerts", domain="energy", status="active")["items"])
    alarm = api("/api/alerts", domain="energy", status="active")["items"][0]
    assert (alarm["originator_id"], alarm["type"], alarm["severity"]) == (
        "em-2", "feeder_overload", "major")


def test_battery_dispatch_is_a_device_command(client, headers, grid):
    operator = headers("operator")
    response = client.post("/api/energy/batteries/bat-1/dispatch", headers=operator,
                           json={"action": "discharge", "power_kw": 120, "duration_s": 7200})
    assert response.status_code == 201, response.get_json()
    command = response.get_json()
    assert command["name"] == "discharge"
    assert command["params"] == {"power_kw": 120, "duration_s": 7200}
    listed = client.get("/api/devices/bat-1/commands", headers=operator).get_json()["items"]
    assert [c["id"] for c in listed] == [command["id"]]


@pytest.mark.parametrize("body, field", [
    ({"action": "boost", "power_kw": 10}, "action"),
    ({"action": "charge", "power_kw": 0}, "power_kw"),
    ({"action": "charge"}, "power_kw"),
])
def test_bad_dispatch_names_the_field(client, headers, grid, body, field):
    response = client.post("/api/energy/batteries/bat-1/dispatch", json=body,
                           headers=headers("operator"))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_dispatch_needs_an_operator_and_a_battery(client, headers, grid):
    body = {"action": "charge", "power_kw": 10}
    assert client.post("/api/energy/batteries/bat-1/dispatch", json=body,
                       headers=headers("viewer")).status_code == 403
    assert client.post("/api/energy/batteries/em-1/dispatch", json=body,
                       headers=headers("operator")).status_code == 404


@pytest.mark.parametrize("path, query, field", [
    ("/api/energy/consumption", {"group_by": "planet"}, "group_by"),
    ("/api/energy/consumption", {"interval": "7m"}, "interval"),
    ("/api/energy/consumption", {"start": "-200d"}, "start"),
    ("/api/energy/forecast", {"hours": 500}, "hours"),
    ("/api/energy/forecast", {"history_days": 5, "backtest_days": 4}, "backtest_days"),
    ("/api/energy/cost", {"flexible_share": 2}, "flexible_share"),
])
def test_bad_queries_name_the_field(client, headers, path, query, field):
    response = client.get(path, query_string=query, headers=headers("viewer"))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def _viewer_get(app, headers, path, **query):
    response = app.test_client().get(path, query_string=query, headers=headers("viewer"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_stored_utilisation_is_pushed_as_energy_update(app, login, grid, store):
    sio = socket(app, login("viewer")["access_token"])
    assert sio.emit("join_room", {"room": "energy"}, callback=True)["ok"]
    store([("em-2", MONDAY_17, {"power": 250})])
    with app.app_context():
        events.write_utilisation(app)
        db.session.remove()
    update = wait_for(sio, "energy_update")[-1]
    assert update["kind"] == "feeder_utilisation" and update["overloaded"] == 1
    assert update["meters"]["em-2"] == {"ts": MONDAY_17, "utilisation": 125}


def test_default_rules_cover_overload_flat_zeros_and_out_of_profile_use(app):
    with app.app_context():
        created = events.create_default_rules()
        assert events.create_default_rules() == []  # once
        db.session.remove()
    assert created == ["Feeder overload", "Feeder near capacity", "Meter reads zero",
                       "Meter out of profile"]
