"""A real server process and a real python-socketio client over WebSocket; with Redis, an
emit from another process (the MQTT ingest worker) reaches a client of the server."""

import os
import subprocess
import sys
import time
import uuid

import orjson
import pytest
import requests
import socketio

from smartcity.realtime.setup import push_telemetry
from smartcity.telemetry.points import Point
from tests.broker import ROOT, free_port, wait_port, wait_until


@pytest.fixture
def process_env(database_url, redis_url):
    return {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
            "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40, "PYTHONUNBUFFERED": "1",
            "SOCKETIO_CHANNEL": f"test-{uuid.uuid4().hex}", "MQTT_URL": ""}


@pytest.fixture
def spawn(tmp_path):
    procs = []

    def factory(args, env, name):
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed at teardown
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args], env=env,
                                cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        procs.append((proc, log))
        return proc

    yield factory
    for proc, log in procs:
        proc.terminate()
        proc.wait(20)
        log.close()


@pytest.fixture
def live_server(spawn, process_env):
    port = free_port()
    spawn(["serve", "--port", str(port)], process_env, "server")
    wait_port(port, 30)
    return f"http://127.0.0.1:{port}"


def token_for(server, make_user, role="viewer"):
    user, password = make_user(role)
    response = requests.post(f"{server}/api/auth/login", timeout=10,
                             json={"username": user["username"], "password": password})
    return response.json()["access_token"]


def connect(server, token, received):
    client = socketio.Client(reconnection=False)
    for name in ("telemetry", "connected", "system_update"):
        client.on(name, lambda data, name=name: received.append((name, data)))
    client.connect(server, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return client


def test_websocket_client_is_refused_without_token(live_server):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server, transports=["websocket"], wait_timeout=10)


def test_reading_posted_over_http_reaches_a_websocket_client(live_server, make_user,
                                                              make_device):
    key = make_device("aq-live")["api_key"]
    received = []
    client = connect(live_server, token_for(live_server, make_user), received)
    try:
        assert client.call("join_room", {"room": "device:aq-live"}, timeout=10)["ok"]
        now = int(time.time() * 1000)
        answer = requests.post(f"{live_server}/api/telemetry", headers={"X-API-Key": key},
                               json={"ts": now, "values": {"pm25": 42}}, timeout=10)
        assert answer.status_code == 201
        wait_until(lambda: any(n == "telemetry" for n, _ in received))
        batch = next(d for n, d in received if n == "telemetry")
        assert batch == [{"device_id": "aq-live", "ts": now, "values": {"pm25": 42.0}}]
    finally:
        client.disconnect()


def test_emit_from_the_ingest_worker_reaches_a_client_of_the_server_through_redis(
        live_server, spawn, process_env, make_user, make_device, broker, mqtt_client,
        tmp_path):
    make_device("cnt-live", type="traffic_counter")
    spawn(["ingest-worker"], {**process_env, "MQTT_URL": broker["url"],
                              "MQTT_CLIENT_ID": f"live-{uuid.uuid4().hex[:6]}"}, "worker")
    wait_until(lambda: "consuming" in (tmp_path / "worker.log").read_text(), timeout=30)
    received = []
    client = connect(live_server, token_for(live_server, make_user), received)
    try:
        client.call("join_room", {"room": "device:cnt-live"}, timeout=10)
        time.sleep(1.0)  # the worker's subscription is in place
        now = int(time.time() * 1000)
        device = mqtt_client()
        device.publish("devices/cnt-live/telemetry",
                       orjson.dumps({"ts": now, "values": {"intensity": 840}}),
                       qos=1).wait_for_publish()
        wait_until(lambda: any(n == "telemetry" for n, _ in received), timeout=20)
        batch = next(d for n, d in received if n == "telemetry")
        assert batch == [{"device_id": "cnt-live", "ts": now, "values": {"intensity": 840.0}}]
    finally:
        client.disconnect()


def test_through_redis_a_client_gets_one_frame_per_flush_from_another_process(
        live_server, process_env, make_app, make_user):
    # An app in this process stands for an ingest worker. Room by room, the client watching
    # two devices would get one frame per device and flush; the server gets both rooms' items
    # in one message and sends its client one frame, as without Redis.
    worker = make_app(REDIS_URL=process_env["REDIS_URL"],
                      SOCKETIO_CHANNEL=process_env["SOCKETIO_CHANNEL"])
    token = token_for(live_server, make_user)
    watcher, elsewhere = [], []
    clients = [connect(live_server, token, watcher), connect(live_server, token, elsewhere)]
    try:
        for room in ("device:rq-1", "device:rq-2"):
            assert clients[0].call("join_room", {"room": room}, timeout=10)["ok"]
        assert clients[1].call("join_room", {"room": "device:rq-3"}, timeout=10)["ok"]
        time.sleep(0.5)  # the server's Redis subscription starts with its first client
        emitter = worker.extensions["smartcity.emitter"]
        emitter._stop.set()  # flush by hand: both readings in one flush
        push_telemetry(emitter, [Point("rq-1", "pm25", 1, 3.0, None),
                                 Point("rq-2", "pm25", 1, 4.0, None)])
        emitter.flush()
        wait_until(lambda: any(n == "telemetry" for n, _ in watcher), timeout=10)
        time.sleep(0.3)
        assert [d for n, d in watcher if n == "telemetry"] == [[
            {"device_id": "rq-1", "ts": 1, "values": {"pm25": 3.0}},
            {"device_id": "rq-2", "ts": 1, "values": {"pm25": 4.0}}]]
        assert [d for n, d in elsewhere if n == "telemetry"] == []
    finally:
        for client in clients:
            client.disconnect()
