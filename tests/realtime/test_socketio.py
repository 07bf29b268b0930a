import time

import pytest

from smartcity.realtime.emitter import Emitter
from smartcity.realtime.setup import publish_alert, push_telemetry
from smartcity.telemetry.points import Point
from tests.domain import events, socket, wait_for  # noqa: F401 - others import them from here


def test_connection_without_token_is_refused(app):
    assert not socket(app).is_connected()
    assert not socket(app, "not-a-token").is_connected()


def test_user_and_service_account_tokens_connect(app, login, client, admin_headers):
    sio = socket(app, login("viewer")["access_token"])
    assert sio.is_connected()
    assert events(sio, "connected")[0]["role"] == "viewer"
    token = client.post("/api/service-accounts", json={"name": "alerts-bot", "role": "viewer"},
                        headers=admin_headers).get_json()["token"]
    assert socket(app, token).is_connected()


def test_telemetry_reaches_only_the_device_room(app, login, client, make_device):
    key = make_device("aq-rt")["api_key"]
    make_device("aq-other")
    token = login("viewer")["access_token"]
    watcher, bystander = socket(app, token), socket(app, token)
    assert watcher.emit("join_room", {"room": "device:aq-rt"}, callback=True)["ok"]
    bystander.emit("join_room", {"room": "device:aq-other"}, callback=True)
    now = int(time.time() * 1000)
    client.post("/api/telemetry", json={"ts": now, "values": {"pm25": 7, "ok": True}},
                headers={"X-API-Key": key})
    batches = wait_for(watcher, "telemetry")
    assert batches[0] == [{"device_id": "aq-rt", "ts": now, "values": {"pm25": 7.0, "ok": True}}]
    time.sleep(0.15)
    assert events(bystander, "telemetry") == []


def test_seed_room_alias_and_unknown_room(app, login):
    sio = socket(app, login("viewer")["access_token"])
    assert sio.emit("join_room", {"room": "traffic_monitoring"}, callback=True) == {
        "ok": True, "room": "traffic"}
    assert sio.emit("join_room", {"room": "../etc"}, callback=True)["ok"] is False


def test_subscribe_alerts_filters_by_mapped_severity_and_module(app, login):
    token = login("viewer")["access_token"]
    high_env, everything = socket(app, token), socket(app, token)
    answer = high_env.emit("subscribe_alerts", {"severity_levels": ["high", "critical"],
                                                "modules": ["environment"]}, callback=True)
    assert answer["severity_levels"] == ["critical", "major"]
    everything.emit("subscribe_alerts", {}, callback=True)
    alarm = {"id": 1, "severity": "major", "domain": "environment", "type": "aqi_high"}
    publish_alert(app, "created", alarm)
    publish_alert(app, "created", {**alarm, "id": 2, "severity": "warning"})
    publish_alert(app, "created", {**alarm, "id": 3, "domain": "traffic"})
    received = high_env.get_received()
    alerts = [e["args"][0]["alarm"]["id"] for e in received if e["name"] == "alert"]
    env_alerts = [e["args"][0]["alarm"]["id"] for e in received
                  if e["name"] == "environment_alert"]
    assert alerts == [1] and env_alerts == [1]
    assert [e["args"][0]["alarm"]["id"] for e in everything.get_received()
            if e["name"] == "alert"] == [1, 2, 3]


def test_request_real_time_data_answers_overview(app, login, make_device):
    make_device("aq-ov")
    sio = socket(app, login("viewer")["access_token"])
    sio.emit("request_real_time_data", {"data_type": "overview"})
    data = events(sio, "real_time_data")[0]
    assert data["data_type"] == "overview"
    assert data["data"]["devices"] == {"total": 1, "online": 0, "offline": 1}
    assert sio.emit("request_real_time_data", {"data_type": "nope"}, callback=True)["ok"] is False


@pytest.mark.parametrize("state", ["online", "offline"])
def test_connectivity_change_is_a_system_update(app, login, make_device, state):
    from smartcity.devices.service import report_state

    make_device("lamp-1", type="streetlight")
    sio = socket(app, login("viewer")["access_token"])
    with app.app_context():
        report_state("lamp-1", "online")
        if state == "offline":
            report_state("lamp-1", "offline")
    updates = [u for u in events(sio, "system_update") if u["kind"] == "connectivity"]
    assert updates[-1]["device_id"] == "lamp-1" and updates[-1]["connectivity"] == state


def test_a_client_watching_many_devices_gets_one_telemetry_list_per_flush(app, login, client,
                                                                         make_device):
    keys = [make_device(f"aq-many-{n}")["api_key"] for n in range(3)]
    sio = socket(app, login("viewer")["access_token"])
    for n in range(3):
        sio.emit("join_room", {"room": f"device:aq-many-{n}"}, callback=True)
    emitter = app.extensions["smartcity.emitter"]
    emitter._stop.set()  # flush by hand so that all three readings fall into one flush
    now = int(time.time() * 1000)
    for n, key in enumerate(keys):
        client.post("/api/telemetry", json={"ts": now, "values": {"pm25": n}},
                    headers={"X-API-Key": key})
    emitter.flush()
    frames = events(sio, "telemetry")
    assert len(frames) == 1
    assert sorted(item["device_id"] for item in frames[0]) == ["aq-many-0", "aq-many-1",
                                                                "aq-many-2"]


def test_only_readings_of_watched_devices_are_queued_for_push(app, login):
    emitter = Emitter(app.extensions["smartcity.socketio"])
    emitter._ensure_thread = lambda: None  # keep the batches here to look at them
    watcher = socket(app, login("viewer")["access_token"])
    assert watcher.emit("join_room", {"room": "device:aq-watched"}, callback=True)["ok"]
    assert emitter.has_audience("device:aq-watched")
    assert not emitter.has_audience("device:aq-unwatched")
    push_telemetry(emitter, [Point("aq-watched", "pm25", 1, 3.0, None),
                             Point("aq-unwatched", "pm25", 1, 4.0, None)])
    assert list(emitter._batches) == [("telemetry", "device:aq-watched")]


def test_clients_in_the_same_rooms_share_one_encoded_frame(app, login, client, make_device):
    key = make_device("aq-shared")["api_key"]
    token = login("viewer")["access_token"]
    first, second, elsewhere = socket(app, token), socket(app, token), socket(app, token)
    for sio in (first, second):
        sio.emit("join_room", {"room": "device:aq-shared"}, callback=True)
    elsewhere.emit("join_room", {"room": "device:aq-nothing"}, callback=True)
    emitter = app.extensions["smartcity.emitter"]
    emitter._stop.set()  # flush by hand
    sends, send = [], emitter._send
    emitter._send = lambda event, items, to: (sends.append((event, to)), send(event, items, to))
    now = int(time.time() * 1000)
    client.post("/api/telemetry", json={"ts": now, "values": {"pm25": 5}},
                headers={"X-API-Key": key})
    emitter.flush()
    expected = [[{"device_id": "aq-shared", "ts": now, "values": {"pm25": 5.0}}]]
    assert events(first, "telemetry") == events(second, "telemetry") == expected
    assert events(elsewhere, "telemetry") == []
    [(event, to)] = sends  # one emit, to both clients
    assert event == "telemetry" and len(to) == 2
