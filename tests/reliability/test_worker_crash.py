"""Drill: `kill -9` of the ingest worker (`run.py ingest-worker`) in the middle of an MQTT QoS 1
stream, then a restart. A message is acked only after its commit, the session persists and
first write wins: every message published is stored exactly once."""

import os
import signal
import subprocess
import sys
import time
import uuid

import orjson
from sqlalchemy import text

from smartcity import create_app
from smartcity.config import TestConfig
from smartcity.devices.service import create_device
from smartcity.extensions import db
from smartcity.timeutil import now_ms
from tests.broker import ROOT, wait_until

DEVICES = 10
MESSAGES = 6000


def counts(engine) -> tuple[int, int]:
    """(rows, distinct (device, ts), rows counted by the hourly rollup) of the drill's key."""
    with engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT (SELECT COUNT(*) FROM telemetry t WHERE t.key_id = k.id), "
            "(SELECT COUNT(DISTINCT (device_id, ts)) FROM telemetry t WHERE t.key_id = k.id), "
            "(SELECT COALESCE(SUM(count), 0) FROM telemetry_1h r WHERE r.key_id = k.id) "
            "FROM telemetry_keys k WHERE k.name = 'seq'")).first() or (0, 0, 0))


def worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "run.py", "ingest-worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_kill_9_of_the_ingest_worker_loses_and_doubles_nothing(throwaway_postgres, broker,
                                                               mqtt_client):
    app = create_app(TestConfig, {"DATABASE_URL": throwaway_postgres.url, "BCRYPT_ROUNDS": 4})
    with app.app_context():
        for i in range(DEVICES):
            create_device({"id": f"crash-{i}", "type": "weather_station"})
        db.session.commit()
        engine = db.engine
    env = {**os.environ, "DATABASE_URL": throwaway_postgres.url, **broker["settings"],
           "MQTT_CLIENT_ID": f"crash-{uuid.uuid4().hex[:8]}", "SMARTCITY_ENV": "development"}
    first = worker(env)
    try:
        wait_until(lambda: _subscribed(broker), timeout=30)
        time.sleep(1.0)  # its SUBSCRIBE follows the connection
        publisher = mqtt_client()
        base = now_ms() - 120_000
        infos = []
        for n in range(MESSAGES):
            body = orjson.dumps({"ts": base + n, "values": {"seq": n}})
            infos.append(publisher.publish(f"devices/crash-{n % DEVICES}/telemetry", body,
                                           qos=1))
            if n == MESSAGES // 3:
                wait_until(lambda: counts(engine)[0] >= MESSAGES // 6, timeout=30)  # mid-stream
                first.send_signal(signal.SIGKILL)
                first.wait(10)
        for info in infos:
            info.wait_for_publish(30)  # every message acknowledged by the broker
        stored_at_kill = counts(engine)
        second = worker(env)
        try:
            stored = wait_until(lambda: counts(engine)[0] >= MESSAGES and counts(engine),
                                timeout=120)
            time.sleep(1.0)  # nothing more arrives: no doubles after the first pass
            stored = counts(engine)
        finally:
            second.terminate()
            second.wait(15)
        print(f"\ndrill worker-kill-9: published {MESSAGES}, stored before restart "
              f"{stored_at_kill[0]}, stored {stored[0]}, lost {MESSAGES - stored[1]}, "
              f"doubled {stored[0] - stored[1]}, rollups count {stored[2]}")
        assert stored == (MESSAGES, MESSAGES, MESSAGES)
    finally:
        if first.poll() is None:
            first.kill()
        app.extensions["smartcity.pipeline"].stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _subscribed(broker) -> bool:
    log = (broker["dir"] / "mosquitto.log")
    return log.exists() and "crash-" in log.read_text(errors="replace")
