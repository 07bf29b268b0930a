"""Fixtures: a Mosquitto of our own (the shipped mosquitto.conf on a free port) and MQTT clients."""

import re
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def broker_config(tmp: Path, port: int) -> Path:
    """Our shipped config with the listener, persistence and log moved into `tmp`."""
    text = (ROOT / "mosquitto.conf").read_text()
    text = re.sub(r"(?m)^listener .*$", f"listener {port} 127.0.0.1", text)
    text = re.sub(r"(?m)^persistence_location .*$", f"persistence_location {tmp}/", text)
    text = re.sub(r"(?m)^log_dest .*$", f"log_dest file {tmp}/mosquitto.log", text)
    path = tmp / "mosquitto.conf"
    path.write_text(text)
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
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        if services["CI"]:
            pytest.fail("CI=true requires mosquitto to be installed", pytrace=False)
        pytest.skip("mosquitto not installed")
    port = free_port()
    proc = subprocess.Popen([binary, "-c", str(broker_config(tmp_path, port))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    yield {"url": f"mqtt://127.0.0.1:{port}", "port": port, "proc": proc}
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def mqtt_client(broker):
    """Connected paho clients acting as devices or observers; disconnected afterwards."""
    clients = []

    def factory(client_id=None, will=None, **kwargs):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                             client_id=client_id or f"t-{uuid.uuid4().hex[:10]}",
                             protocol=mqtt.MQTTv5, **kwargs)
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
