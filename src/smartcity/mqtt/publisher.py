"""Publishing to devices (config, commands) from any process.

The process's consumer client is reused when it runs; otherwise (an app process while
`ingest-worker` consumes) a small publish-only client is connected on first use.
"""

import logging
import threading
import uuid

import paho.mqtt.client as mqtt

from smartcity.mqtt.settings import parse_mqtt_url

log = logging.getLogger(__name__)
_lock = threading.Lock()


def _publish_only_client(app) -> mqtt.Client:
    broker = parse_mqtt_url(app.config["MQTT_URL"])
    base = app.config.get("MQTT_CLIENT_ID") or "smartcity"
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                         client_id=f"{base}-pub-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5)
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set()
    client.connect_async(broker.host, broker.port, keepalive=30)
    client.loop_start()
    return client


def client_for(app) -> mqtt.Client | None:
    """The MQTT client this process publishes with, or None when MQTT is not configured."""
    if not app.config.get("MQTT_URL"):
        return None
    consumer = app.extensions.get("smartcity.mqtt")
    if consumer is not None:
        return consumer.client
    with _lock:
        client = app.extensions.get("smartcity.mqtt_publisher")
        if client is None:
            client = _publish_only_client(app)
            app.extensions["smartcity.mqtt_publisher"] = client
    return client


def publish(app, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> bool:
    """Hand a message to the broker connection; False when MQTT is not configured."""
    client = client_for(app)
    if client is None:
        return False
    info = client.publish(topic, payload, qos=qos, retain=retain)
    if info.rc != mqtt.MQTT_ERR_SUCCESS and info.rc != mqtt.MQTT_ERR_NO_CONN:
        log.warning("publish to %s failed: %s", topic, mqtt.error_string(info.rc))
        return False
    return True


def stop(app) -> None:
    client = app.extensions.pop("smartcity.mqtt_publisher", None)
    if client is not None:
        client.disconnect()
        client.loop_stop()
