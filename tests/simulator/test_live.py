"""The simulator against the real app: HTTP devices talking to a server process, MQTT devices
talking to our broker and a consumer, commands and configuration making the round trip."""

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

from smartcity.extensions import db
from smartcity.mqtt.accounts.apply import apply_pending
from smartcity.mqtt.setup import start_consumer
from smartcity.simulator.fleet import Fleet
from smartcity.simulator.runner import LiveOptions, Runner
from smartcity.simulator.seed import seed_city
from smartcity.simulator.transports import HttpTransport, MqttTransport
from tests.broker import ROOT, free_port, wait_port
from tests.broker import wait_until as _wait_until


def wait_until(predicate, timeout: float = 40.0):
    """Like tests.broker.wait_until, with room for two processes on a busy machine."""
    return _wait_until(predicate, timeout)


YESTERDAY_22H = (time.time() // 86_400 - 1) * 86_400 + 21 * 3600  # 22:00 in the city (UTC+1)


@pytest.fixture
def server(app, database_url, tmp_path):
    """`run.py serve` on a free port and the test database (no Redis, no MQTT)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "MQTT_URL")}
    env |= {"DATABASE_URL": database_url, "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40,
            "PYTHONUNBUFFERED": "1"}
    with open(tmp_path / "server.log", "w") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "serve", "--port",
                                 str(port)], env=env, cwd=tmp_path, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            wait_port(port, 30)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(20)


def seed(app, tmp_path):
    with app.app_context():
        keys = seed_city(tmp_path / "demo-keys.json")
        db.session.remove()
    return keys


@pytest.fixture
def run_live():
    """Start runners in threads; stopped (and their transports closed) after the test."""
    started = []

    def factory(fleet, transport, start_t, **options):
        options = LiveOptions(stats_every=0, quiet=True, **options)
        runner = Runner(fleet, transport, options, start_t, inbox=getattr(
            transport, "inbox", None))
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        started.append((runner, thread, transport))
        return runner

    yield factory
    for runner, thread, transport in started:
        runner.stop.set()
        thread.join(10)
        transport.close()


def latest(client, headers, device_id) -> dict:
    return client.get(f"/api/devices/{device_id}/telemetry/latest",
                      headers=headers).get_json()["values"]


def test_http_devices_report_live_to_a_real_server(app, server, client, admin_headers, city,
                                                   tmp_path, run_live):
    keys = seed(app, tmp_path)
    ids = {"aq-1", "cnt-1", "bus-1", "bin-1", "em-1", "wm-1", "gw-1", "noise-1"}
    transport = HttpTransport(server, keys["devices"], concurrency=4)
    run_live(Fleet(42, city=city, ids=ids), transport, time.time(), rate=16, poll_s=0)
    first = wait_until(lambda: latest(client, admin_headers, "bus-1").get("lat"))
    wait_until(lambda: latest(client, admin_headers, "bus-1")["lat"]["ts"] > first["ts"])
    expected = {"aq-1": "no2", "cnt-1": "occupancy", "bin-1": "fill_level", "em-1": "power",
                "wm-1": "flow", "noise-1": "laeq"}  # noise-1 through its gateway's batches
    for device_id, key in expected.items():
        wait_until(lambda d=device_id, k=key: k in latest(client, admin_headers, d))
    device = client.get("/api/devices/gw-1", headers=admin_headers).get_json()
    assert device["connectivity"] == "online"
    assert transport.stats["failed"] == transport.stats["rejected"] == 0


def test_a_streetlight_obeys_commands_and_config_sent_through_the_api(
        app, server, client, admin_headers, city, tmp_path, run_live):
    keys = seed(app, tmp_path)
    run_live(Fleet(42, city=city, ids={"light-1"}), HttpTransport(server, keys["devices"], 2),
             YESTERDAY_22H, rate=4, poll_s=0.3)
    before = wait_until(lambda: latest(client, admin_headers, "light-1").get("power"))
    assert latest(client, admin_headers, "light-1")["dim_level"]["value"] == 100
    answer = client.post("/api/devices/light-1/commands", headers=admin_headers,
                         json={"name": "set_dim_level", "params": {"level": 30}})
    assert answer.status_code == 201, answer.get_json()
    path = f"/api/devices/light-1/commands/{answer.get_json()['id']}"
    done = wait_until(lambda: client.get(path, headers=admin_headers).get_json()["status"]
                      in ("succeeded", "failed"))
    assert done and client.get(path, headers=admin_headers).get_json()["result"] == {
        "dim_level": 30.0}
    wait_until(lambda: latest(client, admin_headers, "light-1")["dim_level"]["value"] == 30)
    assert latest(client, admin_headers, "light-1")["power"]["value"] < 0.5 * before["value"]
    client.put("/api/devices/light-1/config", json={"dim_level": 45}, headers=admin_headers)
    wait_until(lambda: client.get("/api/devices/light-1/attributes",
                                  headers=admin_headers).get_json()["in_sync"])
    wait_until(lambda: latest(client, admin_headers, "light-1")["dim_level"]["value"] == 45)


@pytest.fixture
def mqtt_app(make_app, broker):
    app = make_app(**broker["settings"], DEVICE_CACHE_TTL=0,
                   MQTT_CLIENT_ID=f"sim-test-{uuid.uuid4().hex[:6]}")
    consumer = start_consumer(app, "worker")
    wait_until(lambda: consumer.stats.connected)
    time.sleep(0.2)
    yield app
    consumer.stop()


def test_mqtt_devices_report_obey_and_leave_a_last_will(mqtt_app, broker, admin_headers, city,
                                                        tmp_path, run_live):
    keys = seed(mqtt_app, tmp_path)
    api = mqtt_app.test_client()
    ids = ["light-2", "aq-1", "cnt-1"]
    with mqtt_app.app_context():  # seeding queued the devices' broker accounts
        assert "error" not in apply_pending(mqtt_app)
    transport = MqttTransport(broker["url"], ids, keys=keys["devices"])
    run_live(Fleet(42, city=city, ids=ids), transport, YESTERDAY_22H, rate=6)
    for device_id in ids:
        wait_until(lambda d=device_id: latest(api, admin_headers, d))
    assert api.get("/api/devices/aq-1", headers=admin_headers).get_json()[
        "connectivity"] == "online"
    answer = api.post("/api/devices/light-2/commands", headers=admin_headers,
                      json={"name": "set_dim_level", "params": {"level": 25}})
    path = f"/api/devices/light-2/commands/{answer.get_json()['id']}"
    wait_until(lambda: api.get(path, headers=admin_headers).get_json()["status"] == "succeeded")
    wait_until(lambda: latest(api, admin_headers, "light-2")["dim_level"]["value"] == 25)
    transport.drop("cnt-1")  # the connection dies without DISCONNECT: the broker sends the will
    wait_until(lambda: api.get("/api/devices/cnt-1", headers=admin_headers).get_json()[
        "connectivity"] == "offline")
    transport.restore("cnt-1")
    wait_until(lambda: api.get("/api/devices/cnt-1", headers=admin_headers).get_json()[
        "connectivity"] == "online")
    assert keys["devices"].keys() >= set(ids)


def test_simulate_backfills_history_through_the_batch_api_then_runs_live(
        app, server, client, admin_headers, tmp_path):
    seed(app, tmp_path)
    command = [sys.executable, str(ROOT / "run.py"), "simulate", "--url", server, "--keys",
               str(tmp_path / "demo-keys.json"), "--devices", "24", "--backfill", "2h",
               "--resolution", "10m", "--live", "--rate", "24", "--duration", "3s"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "history 100%" in result.stderr
    history = client.get("/api/devices/aq-1/telemetry?keys=pm25&start=-3h&limit=1000",
                         headers=admin_headers).get_json()["items"]
    stamps = [item["ts"] for item in history]
    on_grid = [ts for ts in stamps if ts % 600_000 == 0]
    assert len(on_grid) == 12 and len(stamps) > len(on_grid)  # history, then live readings
    assert max(on_grid) < min(ts for ts in stamps if ts % 600_000)
    again = subprocess.run(command[:-2] + ["--duration", "1s"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "history: nothing to fill" in again.stderr  # the first run covered it
