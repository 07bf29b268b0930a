"""The attacks of issue #16, each against the shipped broker config with device accounts, each
refused: the broker answers "not authorised" and the platform stores nothing."""

import time

import orjson
import pytest

from smartcity.mqtt.accounts.apply import apply_pending
from smartcity.mqtt.setup import start_consumer
from tests.broker import wait_until
from tests.mqtt.kit import stored

REFUSED = 135


@pytest.fixture
def app(make_app, broker):
    return make_app(**broker["settings"], DEVICE_CACHE_TTL=0)


@pytest.fixture
def city(app, make_device, sessions, client, admin_headers):
    """A running consumer, a victim lamp with a command in flight, and an attacker device."""
    consumer = start_consumer(app, "worker")
    wait_until(lambda: consumer.stats.connected)
    lamp = make_device("lamp-1", type="streetlight")
    attacker = make_device("evil-1", type="smart_bin")
    with app.app_context():
        assert "error" not in apply_pending(app)
    victim = sessions(("lamp-1", lamp["api_key"]), client_id="lamp-1")
    victim.publish("devices/lamp-1/status", b"online")
    command = client.post("/api/devices/lamp-1/commands", headers=admin_headers,
                          json={"name": "set_dim_level", "params": {"level": 10}}).get_json()
    yield {"app": app, "consumer": consumer, "command": command, "victim": victim,
           "attacker": sessions(("evil-1", attacker["api_key"]), client_id="evil-1"),
           "attacker_login": ("evil-1", attacker["api_key"])}
    consumer.stop()


def test_an_anonymous_client_cannot_connect(city, sessions):
    assert not sessions(None).accepted


def test_a_device_cannot_publish_as_another(city, client, admin_headers):
    attacker = city["attacker"]
    reading = orjson.dumps({"values": {"power": 1}})
    assert attacker.publish("devices/lamp-1/telemetry", reading) == REFUSED
    assert attacker.publish("devices/lamp-1/attributes", b'{"firmware": "x"}') == REFUSED
    assert attacker.publish("devices/lamp-1/status", b"offline") == REFUSED
    answer = orjson.dumps({"status": "succeeded"})
    assert attacker.publish(f"devices/lamp-1/commands/{city['command']['id']}/response",
                            answer) == REFUSED
    assert attacker.publish("devices/evil-1/telemetry", reading) in (0, 16)  # its own: stored
    wait_until(lambda: stored(city["app"], "evil-1") == 1)
    assert stored(city["app"], "lamp-1") == 0
    command = client.get(f"/api/devices/lamp-1/commands/{city['command']['id']}",
                         headers=admin_headers).get_json()
    assert command["status"] != "succeeded"
    reported = client.get("/api/devices/lamp-1/attributes", headers=admin_headers).get_json()
    assert reported["reported"]["values"] == {}


def test_a_device_cannot_send_config_or_commands_to_another(city):
    attacker = city["attacker"]
    assert attacker.publish("devices/lamp-1/config", b'{"dim_level": 0}', retain=True) == REFUSED
    assert attacker.publish("devices/lamp-1/commands/x", b'{"name": "reboot"}') == REFUSED
    assert attacker.publish("devices/evil-1/config", b"{}", retain=True) == REFUSED
    assert attacker.publish("smartcity/errors/lamp-1", b"{}") == REFUSED


def test_a_device_cannot_read_what_is_meant_for_another(city):
    attacker = city["attacker"]
    for topic in ("devices/lamp-1/commands/+", "devices/lamp-1/config", "devices/+/config",
                  "devices/#", "#", "smartcity/errors/#", "devices/lamp-1/telemetry",
                  "$SYS/#", "$CONTROL/dynamic-security/#"):
        assert attacker.subscribe(topic) == REFUSED, topic


def test_a_device_cannot_join_the_platform_shared_subscription(city):
    attacker = city["attacker"]
    assert attacker.subscribe("$share/smartcity/devices/+/telemetry") == REFUSED
    assert attacker.subscribe("$share/smartcity/devices/evil-1/telemetry") == REFUSED


def test_a_device_cannot_take_the_platform_client_id(city, sessions):
    consumer = city["consumer"]
    assert "." in consumer.client_id  # a random suffix no device id can have
    hijack = sessions(city["attacker_login"], client_id=consumer.client_id)
    assert not hijack.accepted
    time.sleep(0.5)
    assert consumer.stats.connected and consumer.stats.reconnects == 0


def test_the_victim_still_gets_its_command_and_stores_its_readings(city):
    victim = city["victim"]
    assert victim.subscribe("devices/lamp-1/commands/+") == 1
    assert victim.publish("devices/lamp-1/telemetry", b'{"values": {"power": 3}}') in (0, 16)
    wait_until(lambda: stored(city["app"], "lamp-1") == 1)
