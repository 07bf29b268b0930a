"""The consumer's own checks, behind the broker's ACL: a point limit like HTTP's, and only
enabled devices may report anything."""

import json
import time

import orjson

from tests.broker import wait_until
from tests.mqtt.kit import stored


def test_a_message_over_the_batch_limit_is_refused_whole(start, make_device, mqtt_client):
    app, consumer = start(MAX_BATCH_POINTS=100)
    make_device("aq-big")
    errors = []
    observer = mqtt_client()
    observer.on_message = lambda c, u, m: errors.append(json.loads(m.payload))
    observer.subscribe("smartcity/errors/aq-big", qos=1)
    time.sleep(0.2)
    now = int(time.time() * 1000)
    too_many = [{"ts": now - i, "values": {"pm25": i}} for i in range(101)]
    device = mqtt_client()
    device.publish("devices/aq-big/telemetry", orjson.dumps(too_many), qos=1)
    device.publish("devices/aq-big/telemetry", orjson.dumps(too_many[:100]), qos=1)
    wait_until(lambda: stored(app, "aq-big") == 100)
    wait_until(lambda: errors)
    assert [e["code"] for e in errors] == ["too_many_points"]


def test_a_disabled_device_cannot_answer_a_command_or_report_attributes(
        start, make_device, mqtt_client, client, admin_headers):
    app, consumer = start()
    make_device("lamp-off", type="streetlight")
    client.patch("/api/devices/lamp-off", json={"status": "disabled"}, headers=admin_headers)
    device = mqtt_client()
    device.publish("devices/lamp-off/attributes", b'{"firmware": "evil"}', qos=1)
    wait_until(lambda: consumer.stats.rejected == 1)
    attributes = client.get("/api/devices/lamp-off/attributes", headers=admin_headers).get_json()
    assert attributes["reported"]["values"] == {}
