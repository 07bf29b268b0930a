"""The `start` fixture: MQTT consumers on apps of their own."""

import time
import uuid

import pytest

from smartcity.mqtt.setup import start_consumer
from tests.broker import wait_until


@pytest.fixture
def start(make_app, broker):
    """Start consumers on apps of their own (like separate processes); stopped afterwards."""
    started = []

    def factory(client_id=None, **overrides):
        app = make_app(MQTT_URL=broker["url"], DEVICE_CACHE_TTL=0,
                       MQTT_CLIENT_ID=client_id or f"test-{uuid.uuid4().hex[:8]}", **overrides)
        consumer = start_consumer(app, "worker")
        started.append(consumer)
        wait_until(lambda: consumer.stats.connected)
        time.sleep(0.2)  # let the SUBACK land before tests publish
        return app, consumer

    yield factory
    for consumer in started:
        consumer.stop()
