import json
import os
import subprocess
import sys
import threading
import time
import uuid

import orjson
from sqlalchemy import text

from smartcity.extensions import db
from tests.broker import ROOT, wait_until
from tests.mqtt.kit import stored


def latest(client, headers, device_id):
    return client.get(f"/api/devices/{device_id}/telemetry/latest", headers=headers).get_json()


def test_json_and_senml_readings_are_stored(start, make_device, mqtt_client, client,
                                            admin_headers):
    app, consumer = start()
    make_device("aq-mqtt")
    device = mqtt_client()
    now = int(time.time() * 1000)
    device.publish("devices/aq-mqtt/telemetry",
                   orjson.dumps({"ts": now - 2000, "values": {"pm25": 11.5, "status": "ok"}}),
                   qos=1).wait_for_publish()
    senml = [{"bn": "aq-mqtt:", "bt": now / 1000 - 1, "n": "pm10", "u": "ug/m3", "v": 20},
             {"n": "no2", "v": 31.5}]
    device.publish("devices/aq-mqtt/telemetry", orjson.dumps(senml), qos=1).wait_for_publish()
    wait_until(lambda: stored(app, "aq-mqtt") == 4)
    values = latest(client, admin_headers, "aq-mqtt")["values"]
    assert values["pm25"]["value"] == 11.5 and values["status"]["value"] == "ok"
    assert values["pm10"] == {"ts": now - 1000, "value": 20.0}
    assert values["no2"]["value"] == 31.5
    wait_until(lambda: consumer.stats.acked == 2)
    own = app.test_client()  # the consumer's own process view
    health = own.get("/api/health?detailed=1").get_json()["services"]["mqtt"]
    assert health["connected"] is True and health["messages_in"] == 2
    assert "smartcity_mqtt_acked_total 2.0" in own.get("/metrics").get_data(as_text=True)


def test_messages_published_while_down_are_stored_after_start(start, make_device, mqtt_client):
    make_device("bin-1", type="smart_bin")
    client_id = f"resume-{uuid.uuid4().hex[:8]}"
    app, consumer = start(client_id)  # creates the persistent session and subscription
    consumer.stop()
    now = int(time.time() * 1000)
    device = mqtt_client()
    for i in range(50):
        device.publish("devices/bin-1/telemetry",
                       orjson.dumps({"ts": now - 60_000 + i, "values": {"fill_level": i}}),
                       qos=1).wait_for_publish()
    app2, _ = start(client_id)  # same session: the broker delivers what it kept
    wait_until(lambda: stored(app2, "bin-1") == 50)


def test_failed_commit_is_redelivered_not_lost(start, make_device, mqtt_client):
    app, consumer = start()
    make_device("aq-fail")
    # Break storage: the writer's inserts now fail.
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE telemetry RENAME TO telemetry_away"))
    try:
        now = int(time.time() * 1000)
        device = mqtt_client()
        for i in range(5):
            device.publish("devices/aq-fail/telemetry",
                           orjson.dumps({"ts": now - 10_000 + i, "values": {"pm25": i}}),
                           qos=1).wait_for_publish()
        wait_until(lambda: consumer.stats.commit_failures >= 1)
        assert consumer.stats.acked == 0
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE telemetry_away RENAME TO telemetry"))
    wait_until(lambda: stored(app, "aq-fail") == 5, timeout=60)
    wait_until(lambda: consumer.stats.connected and consumer.stats.reconnects >= 1)


def test_two_worker_processes_share_the_subscription_and_store_each_message_once(
        make_app, broker, make_device, mqtt_client, database_url, tmp_path):
    app = make_app()
    make_device("cnt-1", type="traffic_counter")
    env = {**os.environ, "DATABASE_URL": database_url, "MQTT_URL": broker["url"],
           "SECRET_KEY": "x" * 40, "JWT_SECRET_KEY": "y" * 40, "PYTHONUNBUFFERED": "1",
           "MQTT_SHARED_SUBSCRIPTION": "true"}
    env.pop("REDIS_URL", None)
    workers = []
    for n in range(2):
        log = open(tmp_path / f"worker{n}.log", "w")  # noqa: SIM115 - closed below
        workers.append((subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "ingest-worker"],
            env={**env, "MQTT_CLIENT_ID": f"shared-{n}-{uuid.uuid4().hex[:6]}"}, cwd=tmp_path,
            stdout=log, stderr=subprocess.STDOUT), log))
    try:
        for n, _ in enumerate(workers):
            wait_until(lambda n=n: "consuming" in (tmp_path / f"worker{n}.log").read_text(),
                       timeout=30)
        time.sleep(1.0)  # both subscriptions in place
        now = int(time.time() * 1000)
        device = mqtt_client()
        count = 2000
        for i in range(count):
            device.publish("devices/cnt-1/telemetry",
                           orjson.dumps({"ts": now - 100_000 + i, "values": {"intensity": i}}),
                           qos=1)
        wait_until(lambda: stored(app, "cnt-1") == count, timeout=60)
    finally:
        for proc, log in workers:
            proc.terminate()
            proc.wait(20)
            log.close()
    assert stored(app, "cnt-1") == count
    assert all(proc.returncode == 0 for proc, _ in workers)


def test_bad_payloads_are_published_to_the_error_topic(start, make_device, mqtt_client, client,
                                                       admin_headers):
    app, consumer = start()
    make_device("aq-ok")
    make_device("aq-off")
    client.patch("/api/devices/aq-off", json={"status": "disabled"}, headers=admin_headers)
    errors = []
    observer = mqtt_client()
    observer.on_message = lambda c, u, m: errors.append((m.topic, json.loads(m.payload)))
    observer.subscribe("smartcity/errors/#", qos=1)
    time.sleep(0.2)
    device = mqtt_client()
    device.publish("devices/aq-ok/telemetry", b"{not json", qos=1)
    device.publish("devices/ghost/telemetry", b'{"values": {"pm25": 1}}', qos=1)
    device.publish("devices/aq-off/telemetry", b'{"values": {"pm25": 1}}', qos=1)
    device.publish("devices/aq-ok/telemetry", b'[{"bn": "other:", "n": "pm25", "v": 1}]', qos=1)
    device.publish("devices/aq-ok/status", b"sleepy", qos=1)
    wait_until(lambda: len(errors) >= 5)
    codes = {(topic, body["code"]) for topic, body in errors}
    assert codes == {("smartcity/errors/aq-ok", "invalid_json"),
                     ("smartcity/errors/ghost", "unknown_device"),
                     ("smartcity/errors/aq-off", "device_disabled"),
                     ("smartcity/errors/aq-ok", "rejected_items"),
                     ("smartcity/errors/aq-ok", "invalid_status")}
    senml_error = next(b for _, b in errors if b["code"] == "rejected_items")
    assert senml_error["rejected"][0]["error"]["field"] == "bn"
    wait_until(lambda: consumer.stats.rejected == 5 and consumer.stats.acked == 5)
    assert stored(app) == 0
    assert consumer.stats.connected  # the loop survived every bad message


def test_status_and_last_will_drive_connectivity(start, make_device, mqtt_client, client,
                                                 admin_headers):
    start()
    make_device("light-7", type="streetlight")

    def connectivity():
        return client.get("/api/devices/light-7", headers=admin_headers).get_json()[
            "connectivity"]

    assert connectivity() == "offline"
    device = mqtt_client(will=("devices/light-7/status", "offline", 1, False))
    device.publish("devices/light-7/status", "online", qos=1)
    wait_until(lambda: connectivity() == "online")
    device.loop_stop()
    device.socket().close()  # vanish without DISCONNECT: the broker publishes the last will
    wait_until(lambda: connectivity() == "offline", timeout=90)


def test_readings_arriving_during_a_commit_are_acked_after_their_own_commit(
        start, make_device, mqtt_client):
    app, consumer = start()
    make_device("aq-burst")
    pipeline = app.extensions["smartcity.pipeline"]
    running, gate = threading.Event(), threading.Event()
    holder = threading.Thread(target=pipeline.call,
                              args=(lambda conn: running.set() or gate.wait(30),))
    holder.start()
    running.wait(10)  # the writer is busy until the gate opens
    try:
        batches = pipeline.stats["batches"]
        now = int(time.time() * 1000)
        device = mqtt_client()
        for i in range(50):
            device.publish("devices/aq-burst/telemetry",
                           orjson.dumps({"ts": now - 10_000 + i, "values": {"pm25": i}}), qos=1)
        wait_until(lambda: consumer.stats.messages_in == 50)
        assert consumer.stats.acked == 0
    finally:
        gate.set()
        holder.join()
    wait_until(lambda: consumer.stats.acked == 50)
    assert stored(app, "aq-burst") == 50
    # The first reading's job, then one job for the 49 that waited behind it.
    assert pipeline.stats["batches"] - batches == 2
