"""Device control with a real paho client acting as the device and a real broker."""

import json
import threading
import time

import orjson
import pytest

from smartcity.devices import commands
from smartcity.mqtt.setup import start_consumer
from tests.broker import wait_until


@pytest.fixture
def mqtt_app(make_app, broker):
    """An app that consumes and publishes MQTT like a server process."""
    app = make_app(MQTT_URL=broker["url"], DEVICE_CACHE_TTL=0, MQTT_CLIENT_ID="control-test")
    consumer = start_consumer(app, "worker")
    wait_until(lambda: consumer.stats.connected)
    time.sleep(0.2)
    yield app
    consumer.stop()


@pytest.fixture
def api(mqtt_app):
    return mqtt_app.test_client()


class Device:
    """A paho client behaving like a field device: records what it receives."""

    def __init__(self, mqtt_client, device_id, subscribe=("config", "commands/+")):
        self.id = device_id
        self.received: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.client = mqtt_client(client_id=device_id,
                                  will=(f"devices/{device_id}/status", "offline", 1, False))
        self.client.on_message = self._on_message
        for suffix in subscribe:
            self.client.subscribe(f"devices/{device_id}/{suffix}", qos=1)
        time.sleep(0.2)

    def _on_message(self, _client, _userdata, message):
        with self.lock:
            self.received.append((message.topic, json.loads(message.payload)))

    def messages(self, suffix):
        with self.lock:
            return [b for t, b in self.received if t.startswith(f"devices/{self.id}/{suffix}")]

    def publish(self, suffix, body):
        payload = body if isinstance(body, str) else orjson.dumps(body)
        self.client.publish(f"devices/{self.id}/{suffix}", payload, qos=1).wait_for_publish()


def test_desired_config_is_retained_and_delivered_on_connect(api, admin_headers, make_device,
                                                             mqtt_client):
    make_device("lamp-1", type="streetlight")
    answer = api.put("/api/devices/lamp-1/config", json={"dim_level": 40, "schedule": "dusk"},
                     headers=admin_headers).get_json()
    assert answer["desired"] == {"version": 1, "values": {"dim_level": 40, "schedule": "dusk"},
                                 "updated_at": answer["desired"]["updated_at"]}
    assert answer["in_sync"] is False and answer["pending_keys"] == ["dim_level", "schedule"]
    time.sleep(0.3)
    device = Device(mqtt_client, "lamp-1")  # connects after the config was published
    config = wait_until(lambda: device.messages("config"))
    assert config[-1] == {"version": 1, "config": {"dim_level": 40, "schedule": "dusk"}}


def test_reported_attributes_make_the_device_in_sync(api, admin_headers, make_device,
                                                     mqtt_client):
    key = make_device("lamp-2", type="streetlight")["api_key"]
    api.put("/api/devices/lamp-2/config", json={"dim_level": 40}, headers=admin_headers)
    device = Device(mqtt_client, "lamp-2")
    device.publish("attributes", {"dim_level": 40, "firmware": "1.2.0"})

    def state():
        return api.get("/api/devices/lamp-2/attributes", headers=admin_headers).get_json()

    synced = wait_until(lambda: state()["in_sync"] and state())
    assert synced["reported"]["values"] == {"dim_level": 40, "firmware": "1.2.0"}
    api.put("/api/devices/lamp-2/config", json={"dim_level": 10}, headers=admin_headers)
    assert state()["pending_keys"] == ["dim_level"]
    over_http = api.put("/api/devices/me/attributes", json={"dim_level": 10},
                        headers={"X-API-Key": key}).get_json()
    assert over_http["in_sync"] is True
    assert api.get("/api/devices/me/config", headers={"X-API-Key": key}).get_json() == {
        "version": 2, "config": {"dim_level": 10}}


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_command_round_trip(api, admin_headers, headers, make_device, mqtt_client, outcome):
    make_device("lamp-3", type="streetlight")
    device = Device(mqtt_client, "lamp-3")
    device.publish("status", "online")
    wait_until(lambda: api.get("/api/devices/lamp-3", headers=admin_headers).get_json()[
        "connectivity"] == "online")
    created = api.post("/api/devices/lamp-3/commands", headers=headers("operator"),
                       json={"name": "set_dim_level", "params": {"level": 30}, "timeout_s": 60})
    assert created.status_code == 201, created.get_json()
    command = created.get_json()
    assert command["status"] == "sent"
    received = wait_until(lambda: device.messages("commands/"))
    assert received[0]["id"] == command["id"] and received[0]["params"] == {"level": 30.0}
    device.publish(f"commands/{command['id']}/response", {"status": "delivered"})
    result = {"level": 30} if outcome == "succeeded" else None
    device.publish(f"commands/{command['id']}/response",
                   {"status": outcome, "result": result, "error": None if result else "relay"})

    def current():
        return api.get(f"/api/devices/lamp-3/commands/{command['id']}",
                       headers=admin_headers).get_json()

    final = wait_until(lambda: current()["status"] == outcome and current())
    assert final["sent_at"] <= final["delivered_at"] <= final["completed_at"]
    assert (final["result"], final["error"]) == ((result, None) if result else (None, "relay"))
    listed = api.get("/api/devices/lamp-3/commands", headers=admin_headers).get_json()
    assert [c["id"] for c in listed["items"]] == [command["id"]]


def test_command_for_an_offline_device_is_sent_after_it_reconnects(api, admin_headers,
                                                                   make_device, mqtt_client):
    make_device("valve-1", type="water_valve")
    command = api.post("/api/devices/valve-1/commands", headers=admin_headers,
                       json={"name": "set_position", "params": {"position": 25}}).get_json()
    assert command["status"] == "queued"
    device = Device(mqtt_client, "valve-1")
    assert device.messages("commands/") == []
    device.publish("status", "online")
    received = wait_until(lambda: device.messages("commands/"))
    assert received[0]["name"] == "set_position"
    wait_until(lambda: api.get(f"/api/devices/valve-1/commands/{command['id']}",
                               headers=admin_headers).get_json()["status"] == "sent")


def test_overdue_commands_expire(app, client, admin_headers, make_device):
    make_device("bin-9", type="smart_bin")
    command = client.post("/api/devices/bin-9/commands", headers=admin_headers,
                          json={"name": "reset_fill_level", "timeout_s": 5}).get_json()
    with app.app_context():
        assert commands.expire_due(command["expires_at"] - 1) == 0
        assert commands.expire_due(command["expires_at"]) == 1
    final = client.get(f"/api/devices/bin-9/commands/{command['id']}",
                       headers=admin_headers).get_json()
    assert final["status"] == "expired" and final["completed_at"] is not None


def test_http_device_fetches_and_answers_its_commands(client, admin_headers, make_device):
    key = make_device("bat-1", type="battery")["api_key"]
    other_key = make_device("bat-2", type="battery")["api_key"]
    command = client.post("/api/devices/bat-1/commands", headers=admin_headers,
                          json={"name": "charge", "params": {"power_kw": 50}}).get_json()
    assert client.get("/api/devices/me/commands", headers={"X-API-Key": other_key}
                      ).get_json()["items"] == []
    fetched = client.get("/api/devices/me/commands", headers={"X-API-Key": key}).get_json()
    assert [c["status"] for c in fetched["items"]] == ["delivered"]
    foreign = client.post(f"/api/devices/me/commands/{command['id']}/response",
                          json={"status": "succeeded"}, headers={"X-API-Key": other_key})
    assert foreign.status_code == 404
    done = client.post(f"/api/devices/me/commands/{command['id']}/response",
                       json={"status": "succeeded", "result": {"soc": 80}},
                       headers={"X-API-Key": key})
    assert done.get_json()["status"] == "succeeded"
    again = client.post(f"/api/devices/me/commands/{command['id']}/response",
                        json={"status": "failed"}, headers={"X-API-Key": key})
    assert again.status_code == 409


def test_device_key_reads_only_its_own_config(client, admin_headers, make_device):
    make_device("sig-1", type="traffic_signal")
    other = make_device("sig-2", type="traffic_signal")["api_key"]
    client.put("/api/devices/sig-1/config", json={"plan": "am-peak"}, headers=admin_headers)
    assert client.get("/api/devices/me/config", headers={"X-API-Key": other}).get_json() == {
        "version": 0, "config": {}}
    creds = client.get("/api/devices/me/credentials", headers={"X-API-Key": other}).get_json()
    assert creds["device_id"] == "sig-2"
    assert "sig-1" not in json.dumps(creds)


def test_command_rbac_validation_and_disabled_device(client, headers, admin_headers,
                                                    make_device):
    make_device("lamp-4", type="streetlight")
    body = {"name": "set_dim_level", "params": {"level": 30}}
    assert client.post("/api/devices/lamp-4/commands", json=body,
                       headers=headers("viewer")).status_code == 403
    bad = client.post("/api/devices/lamp-4/commands", headers=admin_headers,
                      json={"name": "set_dim_level", "params": {"level": 150}})
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["field"] == \
        "params.level"
    unknown = client.post("/api/devices/lamp-4/commands", headers=admin_headers,
                          json={"name": "apply_plan", "params": {"plan_id": "x"}})
    assert unknown.get_json()["error"]["details"]["field"] == "name"
    client.patch("/api/devices/lamp-4", json={"status": "disabled"}, headers=admin_headers)
    refused = client.post("/api/devices/lamp-4/commands", json=body, headers=admin_headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "device_disabled"


def test_commands_are_rate_limited_per_device(make_app, make_device, admin_headers):
    app = make_app(COMMAND_RATE_LIMIT="2 per minute")
    client = app.test_client()
    make_device("lamp-5", type="streetlight")
    make_device("lamp-6", type="streetlight")
    body = {"name": "ping"}
    codes = [client.post("/api/devices/lamp-5/commands", json=body,
                         headers=admin_headers).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert client.post("/api/devices/lamp-6/commands", json=body,
                       headers=admin_headers).status_code == 201


def test_groups_static_filter_and_bulk_actions(client, admin_headers, headers, make_device):
    for n in range(3):
        make_device(f"sl-{n}", type="streetlight", metadata={"district": "north" if n else "south"})
    make_device("aq-9")
    static = client.post("/api/device-groups", headers=admin_headers,
                         json={"name": "pilot", "device_ids": ["sl-0", "sl-1"]}).get_json()
    north = client.post("/api/device-groups", headers=admin_headers, json={
        "name": "north lights", "kind": "filter",
        "filter": {"type": "streetlight", "metadata": {"district": "north"}}}).get_json()
    members = client.get(f"/api/device-groups/{north['id']}/devices",
                         headers=admin_headers).get_json()
    assert [d["id"] for d in members["items"]] == ["sl-1", "sl-2"]
    applied = client.post(f"/api/device-groups/{static['id']}/actions", headers=admin_headers,
                          json={"action": "config", "config": {"dim_level": 20}}).get_json()
    assert [r["config_version"] for r in applied["results"]] == [1, 1]
    sent = client.post(f"/api/device-groups/{north['id']}/actions", headers=admin_headers,
                       json={"action": "command",
                             "command": {"name": "set_dim_level", "params": {"level": 5}}})
    assert all(r["ok"] for r in sent.get_json()["results"])
    operator = headers("operator")
    assert client.post(f"/api/device-groups/{static['id']}/actions", headers=operator,
                       json={"action": "disable"}).status_code == 403
    client.post(f"/api/device-groups/{static['id']}/actions", headers=admin_headers,
                json={"action": "disable"})
    statuses = {d["id"]: d["status"] for d in client.get(
        "/api/devices?type=streetlight", headers=admin_headers).get_json()["items"]}
    assert statuses == {"sl-0": "disabled", "sl-1": "disabled", "sl-2": "active"}
    client.post(f"/api/device-groups/{static['id']}/members", headers=admin_headers,
                json={"add": ["sl-2"], "remove": ["sl-0"]})
    members = client.get(f"/api/device-groups/{static['id']}/devices",
                         headers=admin_headers).get_json()
    assert [d["id"] for d in members["items"]] == ["sl-1", "sl-2"]


def test_every_command_transition_is_audited_and_pushed_live(app, client, admin_headers, login,
                                                             make_device):
    key = make_device("lamp-8", type="streetlight")["api_key"]
    socketio = app.extensions["smartcity.socketio"]
    sio = socketio.test_client(app, auth={"token": login("viewer")["access_token"]})
    sio.emit("join_room", {"room": "device:lamp-8"}, callback=True)
    command = client.post("/api/devices/lamp-8/commands", headers=admin_headers,
                          json={"name": "ping"}).get_json()
    client.get("/api/devices/me/commands", headers={"X-API-Key": key})
    client.post(f"/api/devices/me/commands/{command['id']}/response",
                json={"status": "succeeded"}, headers={"X-API-Key": key})
    pushed = [e["args"][0]["status"] for e in sio.get_received() if e["name"] == "command"]
    assert pushed == ["queued", "delivered", "succeeded"]
    actions = [e["action"] for e in client.get(
        "/api/audit", query_string={"target_id": "lamp-8"}, headers=admin_headers
    ).get_json()["items"]]
    assert {"command.queued", "command.delivered", "command.succeeded"} <= set(actions)
