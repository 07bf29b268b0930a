"""/api/emergency over the small road city (tests/roadkit.py): ranking by ETA, dispatch and
its conflicts, the lifecycle, NFPA statistics, coverage and repositioning."""

import pytest

from smartcity.emergency.models import EmergencyIncident
from smartcity.extensions import db
from smartcity.roads.graph import haversine_m
from smartcity.roads.store import network
from tests.realtime.test_socketio import socket, wait_for
from tests.roadkit import JUNCTIONS, latlon

V50 = 50 / 3.6


@pytest.fixture
def op(headers):
    return headers("operator")


@pytest.fixture
def viewer(headers):
    return headers("viewer")


@pytest.fixture
def fleet(road_city, make_device):
    """Fire engines at B and C, ambulances at A and C, a bus (not an emergency unit)."""
    for unit_id, kind, node in (("fe-1", "fire_engine", "jn-b"), ("fe-2", "fire_engine", "jn-c"),
                                ("amb-1", "ambulance", "jn-c"), ("amb-2", "ambulance", "jn-a"),
                                ("bus-1", "bus", "jn-a")):
        make_device(unit_id, type="vehicle", location=latlon(node),
                    metadata={"kind": kind, "home_node": node})
    return road_city


def report(client, op, type_="fire", node="jn-e"):
    response = client.post("/api/emergency/incidents", headers=op,
                           json={"type": type_, "priority": 1, "location": latlon(node)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def length(a, b):
    return haversine_m(*JUNCTIONS[a], *JUNCTIONS[b])


def test_units_are_ranked_by_driving_time_not_straight_line(client, fleet, op, viewer):
    incident = report(client, op)
    assert incident["status"] == "reported" and incident["district_id"] == "district-1"
    answer = client.get(f"/api/emergency/incidents/{incident['id']}/recommendations",
                        headers=viewer).get_json()
    assert answer["kind"] == "fire_engine" and answer["target_node"] == "jn-e"
    first, second = answer["items"]
    # fe-1 at B is nearer as the crow flies, but B-E is a 10 km/h street: round by A and D
    assert first["unit"]["id"] == "fe-2" and second["unit"]["id"] == "fe-1"
    assert second["straight_line_m"] < first["straight_line_m"]
    assert first["eta_s"] == pytest.approx((length("jn-c", "jn-f") + length("jn-f", "jn-e"))
                                           / V50, abs=0.2)
    assert second["eta_s"] == pytest.approx((length("jn-b", "jn-a") + length("jn-a", "jn-d")
                                             + length("jn-d", "jn-e")) / V50, abs=0.2)
    units = client.get("/api/emergency/units", headers=viewer).get_json()["items"]
    assert {u["id"] for u in units} == {"fe-1", "fe-2", "amb-1", "amb-2"}


def test_dispatch_pushes_the_route_and_a_busy_unit_is_a_conflict(app, client, fleet, op,
                                                                  login):
    sio = socket(app, login("viewer")["access_token"])
    assert sio.emit("join_room", {"room": "emergency"}, callback=True)["ok"]
    first, second = report(client, op), report(client, op, node="jn-f")
    sent = client.post("/api/emergency/units/fe-2/dispatch", headers=op,
                       json={"incident_id": first["id"]})
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert body["status"] == "dispatched" and body["unit_id"] == "fe-2"
    assert body["route"]["nodes"] == ["jn-c", "jn-f", "jn-e"]
    assert body["route"]["geometry"]["type"] == "LineString"
    pushed = [e for e in wait_for(sio, "emergency_alert") if e["kind"] == "dispatch"]
    assert pushed[0]["unit_id"] == "fe-2" and pushed[0]["incident"]["id"] == first["id"]
    busy = client.post("/api/emergency/units/fe-2/dispatch", headers=op,
                       json={"incident_id": second["id"]})
    assert busy.status_code == 409 and busy.get_json()["error"]["details"]["field"] == "unit_id"
    taken = client.post("/api/emergency/units/fe-1/dispatch", headers=op,
                        json={"incident_id": first["id"]})
    assert taken.status_code == 409
    # the busy unit drops out of the recommendations for the second call
    ranked = client.get(f"/api/emergency/incidents/{second['id']}/recommendations",
                        headers=op).get_json()["items"]
    assert [r["unit"]["id"] for r in ranked] == ["fe-1"]
    assert client.post("/api/emergency/units/nope/dispatch", headers=op,
                       json={"incident_id": first["id"]}).status_code == 404


def test_lifecycle_keeps_each_time_and_frees_the_unit(client, fleet, op, viewer):
    incident = report(client, op, "medical", "jn-b")
    path = f"/api/emergency/incidents/{incident['id']}"
    assert client.patch(path, headers=op, json={"status": "en_route"}).status_code == 409
    client.post("/api/emergency/units/amb-2/dispatch", headers=op,
                json={"incident_id": incident["id"]})
    for status in ("en_route", "on_scene"):
        assert client.patch(path, headers=op, json={"status": status}).status_code == 200
    units = {u["id"]: u for u in client.get("/api/emergency/units",
                                            headers=viewer).get_json()["items"]}
    assert units["amb-2"]["status"] == "on_scene"
    assert units["amb-2"]["incident_id"] == incident["id"]
    assert client.patch(path, headers=op, json={"status": "en_route"}).status_code == 409
    done = client.patch(path, headers=op, json={"status": "resolved"}).get_json()
    times = done["times"]
    assert times["reported"] <= times["dispatched"] <= times["en_route"] <= times["on_scene"] \
        <= times["resolved"]
    assert client.get("/api/emergency/units?status=available",
                      headers=viewer).get_json()["items"][0]["id"] in {"amb-1", "amb-2"}
    available = client.get("/api/emergency/units?status=available", headers=viewer).get_json()
    assert "amb-2" in {u["id"] for u in available["items"]}
    bad = client.patch(path, headers=op, json={"status": "sleeping"})
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["field"] == "status"


def test_nfpa_statistics_from_stored_incidents(app, client, road_city, viewer):
    base = 1_790_000_000_000  # some time in 2026
    # medical: call processing 30..120 s, turnout 50 s, travel 200..400 s
    rows = [(30, 50, 200), (60, 50, 240), (90, 50, 300), (120, 50, 400)]
    with app.app_context():
        for i, (call, turnout, travel) in enumerate(rows):
            t0 = base + i * 3_600_000
            db.session.add(EmergencyIncident(
                id=f"i{i}", type="medical", priority=2, status="resolved", lat=45.0, lon=7.0,
                district_id="district-1", reported_ms=t0, dispatched_ms=t0 + call * 1000,
                en_route_ms=t0 + (call + turnout) * 1000,
                on_scene_ms=t0 + (call + turnout + travel) * 1000,
                resolved_ms=t0 + 3_000_000))
        db.session.commit()
        db.session.remove()
    answer = client.get("/api/emergency/statistics", headers=viewer, query_string={
        "start": base - 1, "end": base + 10 * 3_600_000}).get_json()
    (group,) = answer["groups"]
    assert group["type"] == "medical" and group["district"] == "district-1"
    call = group["segments"]["call_processing"]
    assert call["median_s"] == 75.0 and call["p90_s"] == pytest.approx(111.0)
    assert call["compliance"] == 0.5 and call["meets"] is False  # 64 s for 90 %
    travel = group["segments"]["travel"]
    assert travel["compliance"] == 0.5 and travel["benchmark_s"] == 240
    assert group["segments"]["turnout"]["meets"] is True
    assert client.get("/api/emergency/statistics?by=colour",
                      headers=viewer).status_code == 400


def test_coverage_equals_a_brute_force_count(app, client, fleet, viewer):
    limit = 60.0
    answer = client.get(f"/api/emergency/coverage?limit_s={limit}", headers=viewer).get_json()
    with app.app_context():
        live = network().live()
        nodes = set(JUNCTIONS)
        reached = {kind: set() for kind in ("fire_engine", "ambulance")}
        for kind, node in (("fire_engine", "jn-b"), ("fire_engine", "jn-c"),
                           ("ambulance", "jn-c"), ("ambulance", "jn-a")):
            times = live.travel_times(node)  # every node, no cut-off
            reached[kind] |= {n for n in nodes if times.get(n, 1e9) <= limit}
    for kind, covered in reached.items():
        share = answer["by_kind"][kind]["share"]
        assert share == pytest.approx(len(covered) / len(nodes))  # equal residents per node
    assert answer["by_kind"]["police_car"]["share"] == 0


def test_best_station_is_the_optimal_covering_choice(client, fleet, viewer):
    # with amb-2 staying at A (covering A and B in 60 s), amb-1 gains C alone at C but E, D
    # and F at E
    answer = client.get("/api/emergency/units/amb-1/best-station?limit_s=60",
                        headers=viewer).get_json()
    assert answer["station"] == "st-amb-e" and answer["optimal"]
    assert answer["stations"] == {"st-amb": pytest.approx(10_000 / 6, abs=0.1),
                                  "st-amb-e": pytest.approx(3 * 10_000 / 6, abs=0.1)}
    brute = max(answer["stations"], key=answer["stations"].get)
    assert brute == answer["station"]


def test_two_dispatchers_at_once_send_a_unit_to_one_call_only(app, fleet, op, client,
                                                              postgresql_only):
    """Many threads press dispatch for one unit on different calls: exactly one wins (the
    device row lock); SQLite's serial writers give the same answer without a lock."""
    import threading

    calls = [report(client, op, node=node)["id"] for node in ("jn-e", "jn-f", "jn-d", "jn-a")]
    barrier, statuses = threading.Barrier(len(calls)), []

    def press(incident_id):
        with app.test_client() as own:
            barrier.wait()
            statuses.append(own.post("/api/emergency/units/fe-1/dispatch", headers=op,
                                     json={"incident_id": incident_id}).status_code)

    threads = [threading.Thread(target=press, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200, 409, 409, 409]
    with app.app_context():
        taken = db.session.query(EmergencyIncident).filter_by(unit_id="fe-1").count()
        db.session.remove()
    assert taken == 1


def test_units_tile_is_not_an_alarm_in_a_city_without_emergency_vehicles(app):
    from smartcity.emergency import units_tile

    with app.app_context():
        tile = units_tile()
    assert tile["status"] == "ok" and tile["detail"] == "no emergency vehicles registered"
