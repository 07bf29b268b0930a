"""The waste API on the stored demo city: bins, levels through the ingest pipeline,
collections that empty their bins, routes over the road network, analytics, alarms."""

import time

import pytest

from tests.waste.kit import store_levels


def test_bins_show_stream_capacity_district_and_fill_estimate(app, client, city, headers):
    # filled 1 %/half hour, emptied, then 2 % per half hour (4 %/h) for 6 h
    store_levels(app, "bin-4", [60, 61, 62, 63, 64, 2, 6, 10, 14, 18, 22, 26, 30, 34, 38, 42,
                                46, 50])
    viewer = headers("viewer")
    body = client.get("/api/waste/bins", headers=viewer).get_json()
    assert len(body["items"]) == 80
    bin4 = client.get("/api/waste/bins/bin-4", headers=viewer).get_json()
    assert bin4["stream"] in ("general", "recycling", "organic", "glass")
    assert bin4["capacity_l"] == 3200 and bin4["district"].startswith("district")
    assert bin4["level"] == 50 and bin4["rate_pct_h"] == pytest.approx(8.0)
    assert bin4["hours_to_full"] == pytest.approx(50 / 8, abs=0.01)
    assert bin4["points"] == 13
    full = client.get("/api/waste/bins?min_level=45", headers=viewer).get_json()["items"]
    assert [b["id"] for b in full] == ["bin-4"]
    assert client.get("/api/waste/bins/nope", headers=viewer).status_code == 404


def test_update_level_is_stored_as_a_reading_and_raises_the_default_alarm(app, client, city,
                                                                          headers):
    operator = headers("operator")
    answer = client.put("/api/waste/bins/bin-7/update-level", json={"fill_level": 95},
                        headers=operator)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["stored"] == 1 and answer.get_json()["level"] == 95
    latest = client.get("/api/devices/bin-7/telemetry/latest", headers=operator).get_json()
    assert latest["values"]["fill_level"]["value"] == 95
    alarms = []
    for _ in range(50):  # rules run in the writer thread after the commit
        alarms = client.get("/api/alerts?originator=bin-7&domain=waste",
                            headers=operator).get_json()["items"]
        if alarms:
            break
        time.sleep(0.05)
    assert [(a["type"], a["severity"]) for a in alarms] == [("bin_nearly_full", "minor")]
    bad = client.put("/api/waste/bins/bin-7/update-level", json={"fill_level": 150},
                     headers=operator)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["field"] == "fill_level"
    assert client.put("/api/waste/bins/bin-7/update-level", json={"fill_level": 5},
                      headers=headers("viewer")).status_code == 403


def test_create_bin_validates_stream(client, city, admin_headers):
    body = {"id": "bin-new", "stream": "organic", "capacity_l": 240,
            "location": {"lat": 45.07, "lon": 7.68}}
    made = client.post("/api/waste/bins", json=body, headers=admin_headers)
    assert made.status_code == 201 and made.get_json()["api_key"]
    shown = client.get("/api/waste/bins/bin-new", headers=admin_headers).get_json()
    assert shown["stream"] == "organic" and shown["capacity_l"] == 240 and shown["level"] is None
    bad = client.post("/api/waste/bins", json=body | {"id": "bin-x", "stream": "toxic"},
                      headers=admin_headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["field"] == "stream"


def test_completing_a_collection_empties_its_bins_and_feeds_analytics(app, client, city,
                                                                       headers):
    operator = headers("operator")
    for b in ("bin-1", "bin-2", "bin-5"):
        store_levels(app, b, [70, 80])
    made = client.post("/api/waste/collections", headers=operator, json={
        "vehicle_id": "truck-1", "scheduled_for": "-1h", "bins": ["bin-1", "bin-2", "bin-5"]})
    assert made.status_code == 201, made.get_json()
    cid = made.get_json()["id"]
    streams = {b["bin_id"]: b["stream"] for b in made.get_json()["bins"]}
    done = client.post(f"/api/waste/collections/{cid}/complete", headers=operator, json={
        "weights": {"bin-1": 100, "bin-2": 60, "bin-5": 40}, "distance_km": 12,
        "duration_h": 1.5})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed" and done.get_json()["collected_kg"] == 200
    for b in streams:
        assert client.get(f"/api/waste/bins/{b}", headers=operator).get_json()["level"] == 0
    again = client.post(f"/api/waste/collections/{cid}/complete", headers=operator, json={})
    assert again.status_code == 409
    stats = client.get("/api/waste/analytics", headers=operator).get_json()
    kg = {s: 0.0 for s in ("general", "recycling", "organic", "glass")}
    for b, w in {"bin-1": 100, "bin-2": 60, "bin-5": 40}.items():
        kg[streams[b]] += w
    assert stats["city"]["kg"] == kg
    recycled = kg["recycling"] + kg["organic"] + kg["glass"]
    assert stats["city"]["recycling_rate"] == pytest.approx(recycled / 200, abs=1e-4)
    # cost model defaults: 12 km * 0.5 l * 1.6 + 1.5 h * 2 * 30 + 0.2 t * 90
    assert stats["cost"]["total"] == pytest.approx(9.6 + 90 + 18)
    assert stats["cost"]["per_tonne"] == pytest.approx((9.6 + 90 + 18) / 0.2)
    listed = client.get("/api/waste/collections?status=completed", headers=operator)
    assert [c["id"] for c in listed.get_json()["items"]] == [cid]


def test_routes_collect_every_due_bin_once_within_capacity(app, client, city, headers):
    due = [f"bin-{n}" for n in range(1, 21)]
    for b in due:
        store_levels(app, b, [85, 86])
    operator = headers("operator")
    answer = client.post("/api/waste/optimization/routes", headers=operator, json={
        "vehicles": [{"id": "truck-1", "capacity_l": 15000, "depot": "depot-1"},
                     {"id": "truck-2", "capacity_l": 15000, "depot": "depot-1"}],
        "threshold_pct": 80, "horizon_h": 0, "time_limit_s": 1, "save": True,
        "dispatch": True})
    assert answer.status_code == 200, answer.get_json()
    plan = answer.get_json()
    routed = [b for r in plan["routes"] for b in r["bins"]]
    assert sorted(routed) == sorted(due) and not plan["dropped"]
    assert {e["id"] for e in plan["eligible"]} == set(due)
    for route in plan["routes"]:
        assert route["load_l"] <= route["capacity_l"]
        assert route["geometry"]["type"] == "LineString"
    assert plan["total_km"] <= plan["baseline"]["total_km"]
    assert plan["saving_km"] == pytest.approx(plan["baseline"]["total_km"] - plan["total_km"],
                                              abs=1e-3)
    assert len(plan["collections"]) == 2
    # each truck got its round as a command, queued until the (offline) truck asks for it
    sent = {c["vehicle_id"]: c for c in plan["commands"]}
    assert set(sent) == {r["vehicle_id"] for r in plan["routes"] if r["bins"]}
    for route in plan["routes"]:
        if route["bins"]:
            command = client.get(f"/api/devices/{route['vehicle_id']}/commands/"
                                 f"{sent[route['vehicle_id']]['command_id']}",
                                 headers=operator).get_json()
            assert command["name"] == "assign_route" and command["status"] == "queued"
            assert command["params"]["bins"] == route["bins"]
    bad = client.post("/api/waste/optimization/routes", headers=operator,
                      json={"vehicles": [{"id": "t", "capacity_l": "lots"}]})
    assert bad.status_code == 400 and "vehicles" in bad.get_json()["error"]["details"]["field"]


def test_fill_estimates_read_every_bin_in_one_query(app, client, city, headers):
    store_levels(app, "bin-9", [10, 12, 14, 16])
    store_levels(app, "bin-10", [50, 53, 56, 59])
    items = {b["id"]: b for b in client.get("/api/waste/bins",
                                             headers=headers("viewer")).get_json()["items"]}
    assert items["bin-9"]["rate_pct_h"] == pytest.approx(4.0)
    assert items["bin-10"]["rate_pct_h"] == pytest.approx(6.0)
    assert items["bin-11"]["level"] is None and items["bin-11"]["points"] == 0


def test_routes_need_a_road_network(client, headers, make_device):
    make_device("bin-lone", type="smart_bin", location={"lat": 45.0, "lon": 7.0})
    answer = client.post("/api/waste/optimization/routes", headers=headers("operator"), json={
        "vehicles": [{"id": "t", "capacity_l": 5000, "depot": {"lat": 45.0, "lon": 7.0}}]})
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "no_road_network"
