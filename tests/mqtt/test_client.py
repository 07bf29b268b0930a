import threading
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from smartcity.mqtt.client import EMPTY_PUBLISH_PROPERTIES, IngestClient
from tests.broker import TESTER, wait_until


@pytest.fixture
def subscriber(broker):
    """Connected, subscribed clients that record what on_message receives."""
    clients = []

    def factory(cls, topic, protocol=mqtt.MQTTv5, client_id=None, clean=True, **kwargs):
        client_id = client_id or f"s-{uuid.uuid4().hex[:10]}"
        client = cls(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol,
                     **kwargs)
        client.received = []
        client.username_pw_set(*TESTER)
        subscribed = threading.Event()
        client.on_message = lambda c, u, m: client.received.append(m)
        client.on_connect = lambda c, *a: c.subscribe(topic, qos=1)
        client.on_subscribe = lambda *a: subscribed.set()
        if protocol == mqtt.MQTTv5:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 0 if clean else 600
            client.connect("127.0.0.1", broker["port"], clean_start=clean, properties=props)
        else:
            client.connect("127.0.0.1", broker["port"])
        client.loop_start()
        clients.append(client)
        assert subscribed.wait(10)
        return client

    yield factory
    for client in clients:
        client.disconnect()
        client.loop_stop()


def as_seen(message) -> tuple:
    props = message.properties
    return (message.topic, message.payload, message.qos, message.retain, message.mid != 0,
            props.UserProperty if props is not None and hasattr(props, "UserProperty") else None,
            getattr(props, "ContentType", None))


def publish_mix(device, topic):
    """Small and large payloads, QoS 0 and 1, with and without properties, one retained."""
    with_props = Properties(PacketTypes.PUBLISH)
    with_props.UserProperty = ("k", "v")
    with_props.ContentType = "application/json"
    payloads = [(f"m{i}".encode() * (i + 1), i % 2, None) for i in range(300)]
    payloads += [(b"x" * 200_000, 1, None), (b"y" * 70_000, 0, None), (b"p", 1, with_props),
                 (b"", 1, None)]
    for payload, qos, props in payloads:
        device.publish(topic, payload, qos=qos, properties=props)
    device.publish(topic, b"last", qos=1).wait_for_publish(10)


@pytest.mark.parametrize("protocol", [mqtt.MQTTv5, mqtt.MQTTv311])
def test_messages_arrive_as_plain_paho_delivers_them(subscriber, mqtt_client, protocol):
    topic = f"t/{uuid.uuid4().hex[:8]}"
    plain = subscriber(mqtt.Client, topic, protocol)
    ours = subscriber(IngestClient, topic, protocol)
    publish_mix(mqtt_client(), topic)
    wait_until(lambda: len(ours.received) == len(plain.received) == 305)
    assert [as_seen(m) for m in ours.received] == [as_seen(m) for m in plain.received]
    if protocol == mqtt.MQTTv5:  # the cheap path did run
        assert ours.received[0].properties is EMPTY_PUBLISH_PROPERTIES


def test_retained_flag_and_topic_filtered_callbacks_still_work(subscriber, mqtt_client):
    topic = f"t/{uuid.uuid4().hex[:8]}"
    device = mqtt_client()
    device.publish(f"{topic}/r", b"kept", qos=1, retain=True).wait_for_publish(10)
    ours = subscriber(IngestClient, f"{topic}/#")
    filtered = []
    ours.message_callback_add(f"{topic}/f", lambda c, u, m: filtered.append(m.payload))
    device.publish(f"{topic}/f", b"to the filter", qos=1).wait_for_publish(10)
    wait_until(lambda: filtered == [b"to the filter"] and len(ours.received) == 1)
    assert ours.received[0].retain and ours.received[0].payload == b"kept"


def test_ack_many_acknowledges_exactly_the_given_messages(subscriber, mqtt_client):
    topic = f"t/{uuid.uuid4().hex[:8]}"
    client_id = f"acks-{uuid.uuid4().hex[:8]}"
    ours = subscriber(IngestClient, topic, client_id=client_id, clean=False, manual_ack=True)
    device = mqtt_client()
    for i in range(100):
        device.publish(topic, str(i).encode(), qos=1)
    wait_until(lambda: len(ours.received) == 100)
    ours.ack_many([m.mid for m in ours.received if int(m.payload) % 2 == 0])
    ours.ack_many([])
    wait_until(lambda: not ours.want_write())
    ours.disconnect()
    ours.loop_stop()
    again = subscriber(IngestClient, topic, client_id=client_id, clean=False, manual_ack=True)
    wait_until(lambda: len(again.received) == 50)
    assert sorted(int(m.payload) for m in again.received) == list(range(1, 100, 2))
    assert all(m.dup for m in again.received)
