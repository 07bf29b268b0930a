"""The /api/traffic routes over the small road city (tests/roadkit.py)."""

import pytest

from smartcity.devices.control_models import Command
from smartcity.extensions import db
from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms
from tests.domain import socket, wait_for
from tests.roadkit import store_points

MIN = 60_000


@pytest.fixture
def op(headers):
    return headers("operator")


@pytest.fixture
def viewer(headers):
    return headers("viewer")


def flows(app, values: dict[str, float], speed: dict[str, float] | None = None, minutes=30):
    """One reading a minute for the last `minutes` on each counter."""
    now = now_ms()
    points = [Point(f"cnt-{seg}", "intensity", now - i * MIN, v, None)
              for seg, v in values.items() for i in range(minutes)]
    points += [Point(f"cnt-{seg}", "speed", now, v, None) for seg, v in (speed or {}).items()]
    store_points(app, points)


def test_data_and_congestion_from_counter_readings(app, client, road_devices, viewer):
    flows(app, {"ab": 600.0, "bc": 400.0}, speed={"ab": 20.0, "bc": 45.0})
    data = client.get("/api/traffic/data", headers=viewer).get_json()
    ab = next(c for c in data["counters"] if c["device_id"] == "cnt-ab")
    assert ab["intensity"] == 600.0 and ab["average_vehicle_speed"] == 20.0
    assert {s["segment_id"] for s in data["segments"]} == {"seg-ab", "seg-bc", "seg-be"}
    answer = client.get("/api/traffic/congestion", headers=viewer).get_json()
    by_id = {s["segment_id"]: s for s in answer["segments"]}
    # 20 of 50 km/h: TTI 2.5, speed share 40 % -> LOS E (HCM: > 30-40 %), level severe
    assert by_id["seg-ab"]["tti"] == pytest.approx(2.5) and by_id["seg-ab"]["los"] == "E"
    assert by_id["seg-ab"]["level"] == "severe"
    assert by_id["seg-bc"]["tti"] == pytest.approx(50 / 45, abs=1e-3)
    assert by_id["seg-bc"]["level"] == "free"
    assert not by_id["seg-de"]["observed"]
    # the city index weights the two measured segments by vehicle-km (equal lengths)
    assert answer["city"]["index"] == pytest.approx((2.5 * 600 + 50 / 45 * 400) / 1000, abs=1e-3)
    assert answer["city"]["segments_observed"] == 2 and "Urban Mobility" in answer["city"]["method"]


def test_counter_readings_are_pushed_as_traffic_update(app, login, road_devices):
    sio = socket(app, login("viewer")["access_token"])
    assert sio.emit("join_room", {"room": "traffic"}, callback=True)["ok"]
    flows(app, {"ab": 600.0}, speed={"ab": 20.0}, minutes=1)
    update = wait_for(sio, "traffic_update")[-1]
    assert update["kind"] == "counters"
    assert update["counters"]["cnt-ab"] == {"intensity": 600.0, "speed": 20.0}


def test_an_incident_closes_its_segment_for_routing_until_resolved(client, road_city, op,
                                                                   viewer):
    body = {"from": "jn-a", "to": "jn-c"}
    route = client.post("/api/traffic/routes", json=body, headers=viewer).get_json()
    assert route["nodes"] == ["jn-a", "jn-b", "jn-c"]
    assert route["geometry"]["type"] == "LineString"
    assert route["eta_s"] == pytest.approx(route["distance_m"] / (50 / 3.6), rel=1e-3)
    created = client.post("/api/traffic/incidents", headers=op, json={
        "segment_id": "seg-bc", "type": "closure", "description": "burst water main"})
    assert created.status_code == 201 and created.get_json()["capacity_share"] == 0.0
    detour = client.post("/api/traffic/routes", json=body, headers=viewer).get_json()
    assert "seg-bc" not in detour["segments"] and detour["to_node"] == "jn-c"
    ignoring = client.post("/api/traffic/routes", headers=viewer,
                           json=body | {"avoid_incidents": False}).get_json()
    assert ignoring["segments"] == ["seg-ab", "seg-bc"]
    congestion = client.get("/api/traffic/congestion", headers=viewer).get_json()
    assert congestion["levels"]["closed"] == 1
    incident_id = created.get_json()["id"]
    resolved = client.patch(f"/api/traffic/incidents/{incident_id}", headers=op,
                            json={"status": "resolved"})
    assert resolved.get_json()["status"] == "resolved" and resolved.get_json()["resolved_ms"]
    again = client.post("/api/traffic/routes", json=body, headers=viewer).get_json()
    assert again["segments"] == ["seg-ab", "seg-bc"]
    listed = client.get("/api/traffic/incidents?status=resolved", headers=viewer).get_json()
    assert [i["id"] for i in listed["items"]] == [incident_id]


def test_routes_from_positions_and_by_length(client, road_city, viewer):
    near_a = [45.0001, 7.0001]
    fastest = client.post("/api/traffic/routes", headers=viewer,
                          json={"from": "jn-b", "to": "jn-e"}).get_json()
    # the pedestrian street takes 400 s; round by A and D is 2,684 m at 50 km/h
    assert fastest["nodes"] == ["jn-b", "jn-a", "jn-d", "jn-e"]
    shortest = client.post("/api/traffic/routes", headers=viewer,
                           json={"from": "jn-b", "to": "jn-e", "optimize": "length"}).get_json()
    assert shortest["segments"] == ["seg-be"]
    snapped = client.post("/api/traffic/routes", headers=viewer,
                          json={"from": near_a, "to": "jn-b"}).get_json()
    assert snapped["from_node"] == "jn-a"


@pytest.mark.parametrize("body, field", [
    ({"from": "jn-zz", "to": "jn-a"}, "from"),
    ({"from": [95, 7], "to": "jn-a"}, "from"),
    ({"from": "jn-a"}, "to"),
    ({"from": "jn-a", "to": "jn-b", "optimize": "fun"}, "optimize"),
])
def test_bad_route_requests_name_the_field(client, road_city, viewer, body, field):
    response = client.post("/api/traffic/routes", headers=viewer, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_bad_incidents_are_refused(client, road_city, op, viewer):
    unknown = client.post("/api/traffic/incidents", headers=op,
                          json={"segment_id": "seg-zz", "type": "accident"})
    assert unknown.status_code == 400
    assert unknown.get_json()["error"]["details"]["field"] == "segment_id"
    share = client.post("/api/traffic/incidents", headers=op,
                        json={"segment_id": "seg-ab", "type": "accident", "capacity_share": 2})
    assert share.get_json()["error"]["details"]["field"] == "capacity_share"
    assert client.post("/api/traffic/incidents", headers=viewer,
                       json={"segment_id": "seg-ab", "type": "accident"}).status_code == 403


def test_signal_timing_endpoint(client, viewer):
    body = {"phases": [{"flow": 600, "saturation_flow": 1800},
                       {"flow": 300, "saturation_flow": 1800}], "lost_time_s": 8}
    answer = client.post("/api/traffic/signal-timing", headers=viewer, json=body).get_json()
    # Webster: C0 = (1.5 L + 5) / (1 - Y) = 17 / 0.5 = 34 s; greens 26 s split 2:1
    assert answer["cycle_s"] == 34.0 and answer["effective_green_s"] == [17.33, 8.67]
    over = client.post("/api/traffic/signal-timing", headers=viewer, json={
        "phases": [{"flow": 1200, "saturation_flow": 1800},
                   {"flow": 900, "saturation_flow": 1800}], "lost_time_s": 8,
        "max_cycle_s": 120}).get_json()
    assert over["oversaturated"] and over["cycle_s"] == 120.0
    bad = client.post("/api/traffic/signal-timing", headers=viewer, json={
        "phases": [{"flow": 600}], "lost_time_s": 8})
    assert bad.status_code == 400 and "phases" in bad.get_json()["error"]["details"]["field"]


def test_signal_recommendation_and_apply_reach_the_device(app, client, road_devices, op, viewer):
    flows(app, {"ab": 600.0, "bc": 400.0, "be": 300.0})
    items = client.get("/api/traffic/optimization/signals", headers=viewer).get_json()["items"]
    (item,) = items
    plan = item["recommended"]
    # east-west: A-B and B-C, critical 600 veh/h; north-south: B-E 300 veh/h; L = 2 x 4 s
    assert plan["phases"] == ["ns", "ew"]
    assert plan["flow_ratios"] == [pytest.approx(1 / 6, abs=1e-4), pytest.approx(1 / 3, abs=1e-4)]
    assert plan["cycle_s"] == 34.0 and plan["effective_green_s"] == [8.67, 17.33]
    applied = client.post("/api/traffic/signals/jn-b/apply", headers=op)
    assert applied.status_code == 202, applied.get_json()
    sent = applied.get_json()
    assert sent["command"]["name"] == "apply_plan"
    assert sent["command"]["params"] == {"plan_id": sent["id"], "cycle_s": 34,
                                         "greens_s": [9, 17]}
    with app.app_context():
        command = db.session.get(Command, sent["command_id"])
        assert command.device_id == "sig-b" and command.status == "queued"  # device offline
    plans = client.get("/api/traffic/signals/jn-b/plans", headers=viewer).get_json()["items"]
    assert [p["id"] for p in plans] == [sent["id"]]
    assert client.post("/api/traffic/signals/jn-b/apply", headers=viewer).status_code == 403


def test_apply_without_flow_data_is_a_conflict(client, road_devices, op):
    response = client.post("/api/traffic/signals/jn-b/apply", headers=op)
    assert response.status_code == 409
    assert client.post("/api/traffic/signals/jn-a/apply", headers=op).status_code == 404


def test_peak_hours_profile(app, client, road_devices, viewer):
    two_hours_ago = now_ms() - 2 * 3_600_000  # the current hour is not complete yet
    store_points(app, [Point("cnt-ab", "intensity", two_hours_ago, 500.0, None)])
    items = client.get("/api/traffic/peak-hours?device_id=cnt-ab",
                       headers=viewer).get_json()["items"]
    assert items[0]["device_id"] == "cnt-ab" and items[0]["timezone"] == "UTC"
    assert items[0]["hours"] == 1
    profile = items[0]["weekday"] + items[0]["weekend"]
    assert [v for v in profile if v is not None] == [500.0]


def test_peak_hour_profiles_by_hand():
    from datetime import UTC, datetime

    from smartcity.traffic.peaks import profiles

    def ms(*args):
        return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)

    hourly = [(ms(2026, 12, 1, 7), 800.0), (ms(2026, 12, 2, 7), 1000.0),  # Tue, Wed 08:00 CET
              (ms(2026, 12, 1, 16), 850.0), (ms(2026, 12, 5, 10), 400.0),  # Sat 11:00 CET
              (ms(2026, 12, 5, 3), 50.0)]
    answer = profiles(hourly, "Europe/Rome")
    assert answer["weekday"][8] == 900.0 and answer["weekday"][17] == 850.0
    assert answer["peaks"] == {"weekday": {"hour": 8, "flow": 900.0},
                               "weekend": {"hour": 11, "flow": 400.0}}
    assert answer["weekday"][0] is None


def test_a_phase_without_measured_flow_gets_no_plan(app, client, road_devices, op, viewer):
    flows(app, {"ab": 600.0, "bc": 400.0})  # nothing on B-E, the north-south phase
    (item,) = client.get("/api/traffic/optimization/signals", headers=viewer).get_json()["items"]
    assert item["recommended"] is None and item["unmeasured_phases"] == ["ns"]
    refused = client.post("/api/traffic/signals/jn-b/apply", headers=op)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["details"]["unmeasured_phases"] == ["ns"]


def test_readings_browse_by_device_key_and_time(app, client, road_devices, viewer):
    flows(app, {"ab": 600.0}, speed={"ab": 30.0}, minutes=5)
    answer = client.get("/api/traffic/readings", headers=viewer, query_string={
        "device_id": "cnt-ab,cnt-bc", "keys": "intensity", "points": 3}).get_json()
    by_id = {i["device_id"]: i for i in answer["items"]}
    assert set(by_id) == {"cnt-ab", "cnt-bc"}
    ab = by_id["cnt-ab"]
    assert len(ab["readings"]) == 3 and ab["truncated"]
    assert {r["key"] for r in ab["readings"]} == {"intensity"}
    assert by_id["cnt-bc"]["readings"] == []
    signals = client.get("/api/traffic/readings?device_type=traffic_signal",
                         headers=viewer).get_json()["items"]
    assert [i["device_id"] for i in signals] == ["sig-b"]
    bad = client.get("/api/traffic/readings?device_type=bin", headers=viewer)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["field"] == "device_type"
