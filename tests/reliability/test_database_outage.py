"""Drill: PostgreSQL stops for 10 s in the middle of MQTT ingest. Every message published is
stored once it returns: none lost (the consumer used to ack and drop the messages whose device
it could not look up meanwhile), none doubled."""

import threading
import time
import uuid

import orjson
from sqlalchemy import text

from smartcity import create_app
from smartcity.config import TestConfig
from smartcity.devices.service import create_device
from smartcity.extensions import db
from smartcity.mqtt.setup import start_consumer
from smartcity.timeutil import now_ms
from tests.broker import wait_until

DEVICES = 5
MESSAGES = 1500  # per drill, across the devices
RATE = 100  # messages/s: 15 s of publishing, the outage in the middle


def counts(app) -> tuple[int, int]:
    """(rows, distinct (device, ts), rows counted by the hourly rollup) of the drill's key."""
    with app.app_context(), db.engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT (SELECT COUNT(*) FROM telemetry t WHERE t.key_id = k.id), "
            "(SELECT COUNT(DISTINCT (device_id, ts)) FROM telemetry t WHERE t.key_id = k.id), "
            "(SELECT COALESCE(SUM(count), 0) FROM telemetry_1h r WHERE r.key_id = k.id) "
            "FROM telemetry_keys k WHERE k.name = 'seq'")).first() or (0, 0, 0))


def test_postgres_down_10s_during_mqtt_ingest_loses_nothing(throwaway_postgres, broker,
                                                            mqtt_client):
    # The device cache off: every message asks the registry, which is what the outage breaks.
    app = create_app(TestConfig, {"DATABASE_URL": throwaway_postgres.url, "BCRYPT_ROUNDS": 4,
                                  "DEVICE_CACHE_TTL": 0, **broker["settings"],
                                  "MQTT_CLIENT_ID": f"drill-{uuid.uuid4().hex[:8]}"})
    with app.app_context():
        for i in range(DEVICES):
            create_device({"id": f"drill-{i}", "type": "weather_station"})
        db.session.commit()
    consumer = start_consumer(app, "worker")
    try:
        wait_until(lambda: consumer.stats.connected)
        time.sleep(0.2)
        publisher = mqtt_client()
        base = now_ms() - 60_000
        def outage():
            time.sleep(4.0)
            throwaway_postgres.stop()
            time.sleep(10.0)
            throwaway_postgres.start()

        drill = threading.Thread(target=outage)
        drill.start()
        started = time.monotonic()
        for n in range(MESSAGES):
            body = orjson.dumps({"ts": base + n, "values": {"seq": n}})
            publisher.publish(f"devices/drill-{n % DEVICES}/telemetry", body, qos=1)
            time.sleep(max(0.0, started + (n + 1) / RATE - time.monotonic()))
        drill.join()
        wait_until(lambda: counts(app)[0] >= MESSAGES, timeout=90)
        time.sleep(1.0)  # nothing more arrives: no doubles after the first pass
        stored = counts(app)
        print(f"\ndrill postgres-down-10s: published {MESSAGES}, stored {stored[0]}, "
              f"lost {MESSAGES - stored[1]}, doubled {stored[0] - stored[1]}, "
              f"rollups count {stored[2]}, consumer reconnects {consumer.stats.reconnects}")
        assert stored == (MESSAGES, MESSAGES, MESSAGES), stored
    finally:
        consumer.stop()
        app.extensions["smartcity.pipeline"].stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
