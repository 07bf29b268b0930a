"""Dashboards and charts over the API: CRUD checked against the catalogue, sharing, public links,
home page, export/import, and widget data from stored readings."""

import time

import pytest


@pytest.fixture
def station(make_device, client):
    device = make_device("aq-board", type="air_quality_station",
                         location={"lat": 41.39, "lon": 2.17})
    now = int(time.time() * 1000)
    for minutes, value in ((50, 10.0), (30, 20.0), (10, 30.0)):
        answer = client.post("/api/telemetry", headers={"X-API-Key": device["api_key"]},
                             json={"ts": now - minutes * 60_000, "values": {"pm25": value}})
        assert answer.status_code == 201
    return device


def board(*widgets, **fields):
    return {"title": "Air", "widgets": list(widgets), **fields}


def chart(widget_id="c1", **fields):
    return {"id": widget_id, "type": "timeseries", "devices": ["aq-board"], "keys": ["pm25"],
            "interval": "15m", "agg": "avg", **fields}


def value_card(**fields):
    return {"id": "v1", "type": "value", "devices": ["aq-board"], "keys": ["pm25"],
            "thresholds": [{"value": 25, "color": "#d03030"}], **fields}


def test_create_read_update_delete(client, headers, station):
    operator = headers("operator")
    created = client.post("/api/dashboards", headers=operator,
                          json=board(chart(), value_card(x=4)))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["editable"] and [w["type"] for w in body["widgets"]] == ["timeseries", "value"]
    assert body["widgets"][0]["w"] == 4 and body["widgets"][0]["window"] is None  # defaults
    url = f"/api/dashboards/{body['id']}"
    renamed = client.put(url, headers=operator, json={"title": "Air quality"})
    assert renamed.get_json()["title"] == "Air quality"
    assert len(renamed.get_json()["widgets"]) == 2  # untouched by a partial update
    moved = client.put(url, headers=operator, json={"widgets": [chart(x=2)]}).get_json()
    assert moved["widgets"][0]["x"] == 2 and moved["widgets"][0]["h"] == 3  # defaults again
    listed = client.get("/api/dashboards", headers=operator).get_json()["items"]
    assert [b["id"] for b in listed] == [body["id"]]
    assert client.delete(url, headers=operator).status_code == 204
    assert client.get(url, headers=operator).status_code == 404


@pytest.mark.parametrize("widget, field", [
    (chart(keys=["no_such_key"]), "widgets[0].keys[0]"),
    (chart(devices=["ghost"]), "widgets[0].devices[0]"),
    (chart(devices=["$place"]), "widgets[0].devices[0]"),
    (chart(group=999), "widgets[0].group"),
])
def test_bindings_are_checked_against_the_catalogue(client, headers, station, widget, field):
    answer = client.post("/api/dashboards", headers=headers("operator"), json=board(widget))
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["details"]["field"] == field and error["message"].startswith(field)


@pytest.mark.parametrize("widget", [
    {"id": "g", "type": "gauge", "devices": ["aq-board"], "keys": ["pm25"]},  # no min/max
    {"id": "v", "type": "value", "devices": ["aq-board"], "keys": ["pm25", "pm10"]},
    {"id": "t", "type": "timeseries", "keys": ["pm25"]},  # no devices
    {"id": "m", "type": "markdown"},
    {"id": "x", "type": "pie", "devices": ["aq-board"]},
    {"id": "w", "type": "value", "devices": ["aq-board"], "keys": ["pm25"], "x": 10, "w": 4},
])
def test_malformed_widgets_are_refused(client, headers, station, widget):
    answer = client.post("/api/dashboards", headers=headers("operator"), json=board(widget))
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "validation_error"


def test_private_shared_read_only_and_admin(client, headers, station):
    owner, other, admin = headers("operator"), headers("viewer"), headers("admin")
    created = client.post("/api/dashboards", headers=owner, json=board(chart())).get_json()
    url = f"/api/dashboards/{created['id']}"
    assert client.get(url, headers=other).status_code == 404  # private: not even its existence
    client.put(url, headers=owner, json={"shared_roles": ["viewer"]})
    seen = client.get(url, headers=other)
    assert seen.status_code == 200 and seen.get_json()["editable"] is False
    assert client.put(url, headers=other, json={"title": "mine"}).status_code == 403
    assert client.delete(url, headers=other).status_code == 403
    assert client.get(url, headers=admin).get_json()["editable"] is True


def test_public_link_shows_data_read_only_until_revoked(client, headers, station):
    owner = headers("operator")
    created = client.post("/api/dashboards", headers=owner, json=board(value_card())).get_json()
    first = client.post(f"/api/dashboards/{created['id']}/public-link", headers=owner).get_json()
    public = client.get(f"/api/public/dashboards/{first['token']}")
    assert public.status_code == 200
    body = public.get_json()
    assert body["dashboard"]["editable"] is False and "owner_id" not in body["dashboard"]
    assert body["data"]["widgets"]["v1"]["value"] == 30.0
    second = client.post(f"/api/dashboards/{created['id']}/public-link", headers=owner).get_json()
    assert client.get(f"/api/public/dashboards/{first['token']}").status_code == 404
    assert client.delete(f"/api/dashboards/{created['id']}/public-link",
                         headers=owner).status_code == 204
    assert client.get(f"/api/public/dashboards/{second['token']}").status_code == 404


def test_widget_data_comes_from_rollups_and_latest_values(client, headers, station):
    owner = headers("operator")
    table = {"id": "t1", "type": "table", "devices": ["aq-board"], "keys": ["pm25"]}
    where = {"id": "m1", "type": "map", "devices": ["aq-board"], "keys": ["pm25"]}
    created = client.post("/api/dashboards", headers=owner, json=board(
        chart(), value_card(x=4), table, where, {"id": "a1", "type": "alarms"},
        {"id": "md", "type": "markdown", "text": "# Notes"})).get_json()
    data = client.get(f"/api/dashboards/{created['id']}/data?start=-2h",
                      headers=owner).get_json()["widgets"]
    series = data["c1"]["series"][0]
    assert (series["key"], series["unit"]) == ("pm25", "µg/m³")
    assert sorted(v for _ts, v in series["points"]) == [10.0, 20.0, 30.0]
    assert (data["v1"]["value"], data["v1"]["unit"]) == (30.0, "µg/m³")
    assert data["t1"]["rows"][0]["values"]["pm25"]["value"] == 30.0
    assert data["m1"]["devices"] == [{"device_id": "aq-board", "device": "aq-board",
                                      "lat": 41.39, "lon": 2.17, "value": 30.0}]
    assert data["a1"] == {"items": []} and data["md"] == {}


def test_a_long_window_gets_a_coarser_interval(client, headers, station):
    owner = headers("operator")
    created = client.post("/api/dashboards", headers=owner,
                          json=board(chart(interval="1m"))).get_json()
    data = client.get(f"/api/dashboards/{created['id']}/data?start=-30d",
                      headers=owner).get_json()["widgets"]["c1"]
    assert data["interval"] == "1h"  # 30 days of 1-minute points would be 43,200


def test_variables_switch_every_bound_widget(client, headers, station, make_device):
    other = make_device("aq-board-2", type="air_quality_station")
    client.post("/api/telemetry", headers={"X-API-Key": other["api_key"]},
                json={"ts": int(time.time() * 1000) - 60_000, "values": {"pm25": 99}})
    owner = headers("operator")
    created = client.post("/api/dashboards", headers=owner, json=board(
        value_card(devices=["$station"]),
        variables=[{"name": "station", "options": ["aq-board", "aq-board-2"]}])).get_json()
    url = f"/api/dashboards/{created['id']}/data"
    assert client.get(url, headers=owner).get_json()["widgets"]["v1"]["value"] == 30.0
    chosen = client.get(f"{url}?var.station=aq-board-2", headers=owner).get_json()
    assert chosen["widgets"]["v1"]["value"] == 99.0
    assert client.get(f"{url}?var.station=ghost", headers=owner).status_code == 400


def test_export_and_import_round_trip(client, headers, station):
    owner = headers("operator")
    created = client.post("/api/dashboards", headers=owner,
                          json=board(chart(), value_card(x=4))).get_json()
    document = client.get(f"/api/dashboards/{created['id']}/export", headers=owner).get_json()
    assert document["version"] == 1
    imported = client.post("/api/dashboards/import", headers=headers("viewer"), json=document)
    assert imported.status_code == 201
    assert imported.get_json()["widgets"] == created["widgets"]
    assert client.post("/api/dashboards/import", headers=owner,
                       json={**document, "version": 99}).status_code == 400


def test_charts_are_one_timeseries_widget(client, headers, station):
    owner = headers("viewer")
    made = client.post("/api/charts", headers=owner, json=board(chart()))
    assert made.status_code == 201 and made.get_json()["kind"] == "chart"
    assert client.post("/api/charts", headers=owner,
                       json=board(chart(), chart("c2"))).status_code == 400
    assert client.get("/api/dashboards", headers=owner).get_json()["items"] == []
    assert len(client.get("/api/charts", headers=owner).get_json()["items"]) == 1


def test_home_dashboard(client, headers, station):
    owner = headers("operator")
    created = client.post("/api/dashboards", headers=owner, json=board(chart())).get_json()
    assert client.get("/api/users/me/home-dashboard", headers=owner).get_json() == {
        "dashboard_id": None}
    client.put("/api/users/me/home-dashboard", headers=owner,
               json={"dashboard_id": created["id"]})
    assert client.get("/api/users/me/home-dashboard", headers=owner).get_json() == {
        "dashboard_id": created["id"]}
    assert client.put("/api/users/me/home-dashboard", headers=headers("viewer"),
                      json={"dashboard_id": created["id"]}).status_code == 404
