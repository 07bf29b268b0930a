"""Two app processes, the ingest worker, Redis, Mosquitto and the database behind the shipped
nginx.conf behave as one platform (tests/deploy/conftest.py starts them)."""

import os
import re
import signal
import subprocess
import threading
import time

import orjson
import paho.mqtt.client as mqtt
import requests
import socketio

from tests.broker import TESTER, wait_until
from tests.deploy.conftest import EXPIRY_INTERVAL_S

SCHEDULER_STARTED = re.compile(r"scheduler started \(process (\d+)")
COMMAND_EXPIRY_RAN = re.compile(r"job command_expiry ran \(lease (\d+), process (\d+)\)")


def socket_client(stack, token, received, **kwargs):
    client = socketio.Client(**kwargs)
    client.on("telemetry", lambda data: received.extend(data))
    client.connect(stack.url, auth={"token": token}, transports=["websocket"], wait_timeout=20)
    return client


def publish(stack, topic, payloads):
    device = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"dev-{os.getpid()}",
                         protocol=mqtt.MQTTv5)
    device.username_pw_set(*TESTER)  # may publish anywhere; device accounts: tests/mqtt
    device.connect("127.0.0.1", stack.mqtt_port)
    device.loop_start()
    try:
        for payload in payloads:
            device.publish(topic, orjson.dumps(payload), qos=1).wait_for_publish(10)
    finally:
        device.disconnect()
        device.loop_stop()


def stored_ts(stack, token, device_id) -> list[int]:
    """Every stored pm25 timestamp of the device (all pages), read through nginx."""
    stamps, params = [], {"keys": "pm25", "limit": 500, "start": "-1h"}
    while True:
        answer = requests.get(f"{stack.url}/api/devices/{device_id}/telemetry", params=params,
                              headers={"Authorization": f"Bearer {token}"}, timeout=20)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        stamps += [row["ts"] for row in body["items"]]
        if not body["next_cursor"]:
            return sorted(stamps)
        params["cursor"] = body["next_cursor"]


def test_nginx_serves_the_app_and_the_static_files_itself(stack):
    health = requests.get(f"{stack.url}/api/health", timeout=10)
    assert health.status_code == 200
    static = requests.get(f"{stack.url}/static/js/shell.js", timeout=10)
    assert static.status_code == 200
    assert "max-age=3600" in static.headers["Cache-Control"]  # nginx's `expires`, not Flask's
    assert static.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(f"{stack.url}/metrics", timeout=10).status_code == 403


def test_a_client_on_one_process_receives_readings_posted_to_the_other_and_over_mqtt(
        stack):
    token = stack.login(stack.url, *stack.make_user("viewer"))["access_token"]
    key = stack.make_device("aq-deploy-1")
    received = []
    client = socket_client(stack, token, received, reconnection=False)
    try:
        assert client.call("join_room", {"room": "device:aq-deploy-1"}, timeout=10)["ok"]
        now = int(time.time() * 1000)
        for index in (0, 1):  # each process directly, whichever holds the WebSocket
            answer = requests.post(f"{stack.web(index)}/api/telemetry", timeout=20,
                                   headers={"X-API-Key": key},
                                   json={"ts": now + index, "values": {"pm25": 10 + index}})
            assert answer.status_code == 201, answer.text
        publish(stack, "devices/aq-deploy-1/telemetry", [{"ts": now + 2, "values": {"pm25": 12}}])
        wait_until(lambda: len(received) >= 3, timeout=30)
        assert sorted((r["ts"], r["values"]["pm25"]) for r in received) == [
            (now, 10.0), (now + 1, 11.0), (now + 2, 12.0)]
    finally:
        client.disconnect()


def test_each_mqtt_message_is_stored_once_across_processes(stack):
    token = stack.login(stack.url, *stack.make_user("viewer"))["access_token"]
    stack.make_device("aq-deploy-2")
    base = int(time.time() * 1000) - 60_000
    publish(stack, "devices/aq-deploy-2/telemetry",
            [{"ts": base + i, "values": {"pm25": i}} for i in range(200)])
    wait_until(lambda: len(stored_ts(stack, token, "aq-deploy-2")) >= 200, timeout=30)
    time.sleep(1.0)  # anything stored twice would show up by now
    assert stored_ts(stack, token, "aq-deploy-2") == [base + i for i in range(200)]


def test_login_attempts_are_counted_across_processes(stack):
    username, _password = stack.make_user("viewer")
    # An address of its own (the processes trust one proxy's X-Forwarded-For), so that the other
    # tests' sign-ins from 127.0.0.1 do not count here.
    address = {"X-Forwarded-For": f"10.77.{os.getpid() % 250}.{int(time.time()) % 250}"}
    statuses = [requests.post(f"{stack.web(i % 2)}/api/auth/login", timeout=20, headers=address,
                              json={"username": username, "password": "wrong-pass-1"}
                              ).status_code for i in range(14)]
    # LOGIN_RATE_LIMIT is 10 per minute: the eleventh attempt is refused, whichever process it
    # reaches, because both count in Redis.
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}


def test_a_token_revoked_on_one_process_is_refused_by_the_other(stack):
    tokens = stack.login(stack.web(0), *stack.make_user("viewer"))
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(f"{stack.web(1)}/api/auth/profile", headers=headers,
                        timeout=20).status_code == 200
    assert requests.post(f"{stack.web(0)}/api/auth/logout", headers=headers, timeout=20,
                         json={"refresh_token": tokens["refresh_token"]}).status_code == 200
    assert requests.get(f"{stack.web(1)}/api/auth/profile", headers=headers,
                        timeout=20).status_code == 401
    assert requests.post(f"{stack.web(1)}/api/auth/refresh", timeout=20,
                         json={"refresh_token": tokens["refresh_token"]}).status_code == 401


def test_a_device_disabled_on_one_process_is_refused_at_once_by_the_other(
        stack):
    token = stack.admin_headers()["Authorization"].split()[1]
    key = stack.make_device("aq-deploy-3")
    now = int(time.time() * 1000)
    post = lambda ts: requests.post(f"{stack.web(1)}/api/telemetry",  # noqa: E731
                                    headers={"X-API-Key": key}, timeout=20,
                                    json={"ts": ts, "values": {"pm25": 1}})
    assert post(now).status_code == 201  # process 1 now has the device in its cache
    disabled = requests.patch(f"{stack.web(0)}/api/devices/aq-deploy-3", timeout=20,
                            headers={"Authorization": f"Bearer {token}"},
                            json={"status": "disabled"})
    assert disabled.status_code == 200, disabled.text
    assert post(now + 1).status_code in (401, 403)


def test_the_scheduler_runs_each_job_once_per_interval_across_processes(stack):
    """Every process ticks each SCHEDULER_TICK_S; command_expiry is due every
    EXPIRY_INTERVAL_S. Read from the processes' logs, where each run names its lease."""
    started = set(SCHEDULER_STARTED.findall(stack.log("serve-prod")))
    assert len(started) >= 3, started  # both app processes and the ingest worker compete

    def runs():
        return [(int(lease), int(pid)) for lease, pid in
                COMMAND_EXPIRY_RAN.findall(stack.log("serve-prod"))]

    first = len(runs())
    wait_until(lambda: len(runs()) >= first + 4, timeout=40, interval=0.5)
    leases = sorted(lease for lease, _pid in runs())
    gaps = [later - earlier for earlier, later in zip(leases, leases[1:], strict=False)]
    assert min(gaps) >= EXPIRY_INTERVAL_S * 1000, gaps  # never two runs in one interval


def test_killing_one_app_process_loses_no_accepted_reading_and_clients_reconnect(
        stack):
    token = stack.login(stack.url, *stack.make_user("viewer"))["access_token"]
    key = stack.make_device("aq-deploy-4")
    received, accepted, stop = [], [], threading.Event()
    client = socket_client(stack, token, received, reconnection=True,
                           reconnection_delay=0.2, reconnection_delay_max=1)
    base = int(time.time() * 1000) - 120_000

    def post_forever():
        ts = base
        with requests.Session() as http:
            while not stop.is_set():
                try:
                    answer = http.post(f"{stack.url}/api/telemetry", timeout=20,
                                       headers={"X-API-Key": key},
                                       json={"ts": ts, "values": {"pm25": 5}})
                except requests.RequestException:
                    continue  # retried with the same timestamp
                if answer.status_code == 201:
                    accepted.append(ts)
                    ts += 1
                time.sleep(0.01)

    poster = threading.Thread(target=post_forever)
    poster.start()
    try:
        wait_until(lambda: len(accepted) >= 30, timeout=30)
        victim = _gunicorn_worker_pids(stack)
        for pid in victim:
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: len(accepted) >= 200, timeout=60)
        wait_until(lambda: client.connected, timeout=30)
    finally:
        stop.set()
        poster.join(30)
        client.disconnect()
    stored = stored_ts(stack, token, "aq-deploy-4")
    assert set(accepted) <= set(stored)
    # serve-prod noticed and started the process again.
    wait_until(lambda: stack.log("serve-prod").count(f"web:{stack.web_ports[0]} started") == 2)


def _gunicorn_worker_pids(stack) -> list[int]:
    """The gunicorn processes (master and worker) that serve the first port."""
    out = subprocess.run(["pgrep", "-f", "--", f"--bind 127.0.0.1:{stack.web_ports[0]}"],
                         capture_output=True, text=True).stdout.split()
    assert out, "no process serves the first port"
    return [int(pid) for pid in out]
