"""Fixtures: a Mosquitto of our own (the shipped mosquitto.conf on a free port, its
dynamic-security file written by the platform's bootstrap) and MQTT clients."""

import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest

from smartcity.mqtt.accounts import acl

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = Path("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so")
# Logins of the test broker: the platform's admin and consumer, and an all-powerful test client
# that plays devices and observers in tests that are not about access control.
ADMIN = ("broker-admin", "admin-secret-0123456789")
PLATFORM = ("platform", "platform-secret-0123456789")
TESTER = ("tester", "tester-secret-0123456789")
TESTER_ROLE = {"rolename": "tester", "acls": [
    {"acltype": "publishClientSend", "topic": "#", "allow": True},
    {"acltype": "subscribePattern", "topic": "#", "allow": True}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def broker_config(tmp: Path, port: int) -> Path:
    """Our shipped config with the listener, persistence, plugin file and log moved into `tmp`,
    and a dynamic-security file as `run.py mqtt-bootstrap` writes it (plus the test client)."""
    text = (ROOT / "mosquitto.conf").read_text()
    text = re.sub(r"(?m)^listener .*$", f"listener {port} 127.0.0.1", text)
    text = re.sub(r"(?m)^persistence_location .*$", f"persistence_location {tmp}/", text)
    text = re.sub(r"(?m)^plugin_opt_config_file .*$",
                  f"plugin_opt_config_file {tmp}/dynamic-security.json", text)
    text = re.sub(r"(?m)^log_dest .*$", f"log_dest file {tmp}/mosquitto.log", text)
    if os.geteuid() == 0:  # else it drops to the mosquitto user, who cannot enter tmp
        text += "\nuser root\n"
    path = tmp / "mosquitto.conf"
    path.write_text(text)
    security = tmp / "dynamic-security.json"
    if not security.exists():
        tester = {"username": TESTER[0], "roles": [{"rolename": "tester"}],
                  **acl.hashed_password(TESTER[1])}
        security.write_bytes(orjson.dumps(acl.initial_config(ADMIN, PLATFORM, [tester],
                                                             [TESTER_ROLE])))
    return path


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"broker on {port} did not start")


@pytest.fixture
def broker(tmp_path, services):
    binary = mosquitto_binary(services)
    port = free_port()
    conf = broker_config(tmp_path, port)
    proc = subprocess.Popen([binary, "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    info = {"url": f"mqtt://{PLATFORM[0]}:{PLATFORM[1]}@127.0.0.1:{port}", "port": port,
            "proc": proc, "conf": conf, "dir": tmp_path, "binary": binary,
            "settings": {"MQTT_URL": f"mqtt://{PLATFORM[0]}:{PLATFORM[1]}@127.0.0.1:{port}",
                         "MQTT_ADMIN_USERNAME": ADMIN[0], "MQTT_ADMIN_PASSWORD": ADMIN[1]}}
    yield info
    info["proc"].terminate()
    info["proc"].wait(10)


def mosquitto_binary(services) -> str:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists() or not PLUGIN.exists():
        if services["CI"]:
            pytest.fail("CI=true requires mosquitto with its dynamic-security plugin",
                        pytrace=False)
        pytest.skip("mosquitto or its dynamic-security plugin not installed")
    return binary


@pytest.fixture
def mqtt_client(broker):
    """Connected paho clients acting as devices or observers; disconnected afterwards."""
    clients = []

    def factory(client_id=None, will=None, login=TESTER, **kwargs):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                             client_id=client_id or f"t-{uuid.uuid4().hex[:10]}",
                             protocol=mqtt.MQTTv5, **kwargs)
        if login:
            client.username_pw_set(*login)
        if will:
            client.will_set(*will)
        client.connect("127.0.0.1", broker["port"])
        client.loop_start()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.disconnect()
        client.loop_stop()


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05):
    """Poll until predicate() is truthy; return its value or fail with what was last seen."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {value!r})")


class Session:
    """A device-like MQTT v5 connection that reports the broker's answers: CONNACK, PUBACK
    and SUBACK reason codes, and the messages it receives."""

    def __init__(self, port: int, login, client_id: str | None = None, clean: bool = True):
        import threading

        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=client_id or f"s-{uuid.uuid4().hex[:10]}",
                                  protocol=mqtt.MQTTv5)
        if login:
            self.client.username_pw_set(*login)
        self.connack = None
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.acks: dict[int, int] = {}
        self.subacks: dict[int, list[int]] = {}
        self.received: list = []
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *_a: self.disconnected.set()
        self.client.on_publish = lambda _c, _u, mid, rc, _p: self.acks.__setitem__(mid, rc.value)
        self.client.on_subscribe = lambda _c, _u, mid, rcs, _p: self.subacks.__setitem__(
            mid, [rc.value for rc in rcs])
        self.client.on_message = lambda _c, _u, m: self.received.append(m)
        self.client.connect("127.0.0.1", port, clean_start=clean)
        self.client.loop_start()
        self.connected.wait(10)

    def _on_connect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        self.connack = reason_code.value
        self.connected.set()

    @property
    def accepted(self) -> bool:
        return self.connack == 0

    def publish(self, topic: str, payload=b"{}", retain: bool = False) -> int:
        """Publish at QoS 1 and return the PUBACK reason code (135: not authorised)."""
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        wait_until(lambda: info.mid in self.acks, timeout=10)
        return self.acks[info.mid]

    def subscribe(self, topic: str) -> int:
        """Subscribe at QoS 1 and return the SUBACK reason code (135: not authorised)."""
        _rc, mid = self.client.subscribe(topic, qos=1)
        return wait_until(lambda: self.subacks.get(mid), timeout=10)[0]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def sessions(broker):
    """Open Sessions on the test broker; closed afterwards."""
    opened = []

    def factory(login, client_id=None, port=None, **kwargs):
        session = Session(port or broker["port"], login, client_id, **kwargs)
        opened.append(session)
        return session

    yield factory
    for session in opened:
        session.close()
