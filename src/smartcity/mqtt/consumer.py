"""The MQTT side of the ingest pipeline: QoS 1, persistent session, ack after commit.

A message is acknowledged only once the batch holding its points is committed; if a commit
fails the client reconnects without acking, and the broker redelivers (first write wins makes
the redelivery harmless).

Telemetry reaches the writer as one job at a time: while a job of ours waits or commits, the
points of the messages that arrive meanwhile gather in a buffer, submitted as the next job when
that one is done (by the writer's callback). A burst thus costs one job, one callback and one
PUBACK write per commit instead of per message, and an idle pipeline still gets a message at once.
"""

import logging
import random
import threading
import time

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from smartcity.database import unavailable
from smartcity.devices.directory import device_directory
from smartcity.errors import ApiError
from smartcity.mqtt.client import IngestClient
from smartcity.mqtt.settings import parse_mqtt_url
from smartcity.telemetry import parse
from smartcity.telemetry.faults import REFUSED_CODE
from smartcity.telemetry.ingest import Outcome, collect
from smartcity.telemetry.pipeline import QueueFull
from smartcity.timeutil import now_ms

log = logging.getLogger(__name__)

TELEMETRY = "devices/+/telemetry"
STATUS = "devices/+/status"
ATTRIBUTES = "devices/+/attributes"
COMMAND_RESPONSES = "devices/+/commands/+/response"
SHARE_GROUP = "smartcity"
# Seconds between reconnect attempts at most: the broker keeps our session, so every second
# away is a second of readings waiting; one client per process cannot overload a broker.
MAX_RECONNECT_DELAY = 2


class MqttStats:
    def __init__(self):
        self.connected = False
        self.reconnects = 0
        self.messages_in = 0
        self.acked = 0
        self.rejected = 0
        self.commit_failures = 0
        self.last_latency_ms = 0.0
        self.last_error: str | None = None

    def as_dict(self) -> dict:
        return dict(vars(self))


class _Buffer:
    """Points of messages not yet handed to the writer, and the ids to ack once committed.

    Each message is a unit the writer may refuse alone: `ends` holds where its points end,
    `topics` its topic and device, to tell that device why.
    """

    __slots__ = ("points", "ends", "topics", "mids", "generation", "received")

    def __init__(self, generation: int):
        self.points: list = []
        self.ends: list[int] = []
        self.topics: list[tuple[str, str]] = []
        self.mids: list[int] = []
        self.generation = generation
        self.received = 0.0  # perf_counter() of its first message


class MqttConsumer:
    def __init__(self, app, pipeline, client_id: str, handlers: dict):
        config = app.config
        self.app = app
        self.pipeline = pipeline
        self.broker = parse_mqtt_url(config["MQTT_URL"])
        self.client_id = client_id
        self.shared = config["MQTT_SHARED_SUBSCRIPTION"]
        self.session_expiry = config["MQTT_SESSION_EXPIRY"]
        self.max_skew_ms = config["MAX_CLOCK_SKEW"] * 1000
        self.max_points = config["MAX_BATCH_POINTS"]  # the same limit as an HTTP batch
        self.devices = device_directory(app)
        # fn(device_id, ...) per topic kind: "status" (state), "attributes" (dict),
        # "command_response" (command_id, dict); each runs its own transaction.
        self.handlers = handlers
        self.stats = MqttStats()
        self.generation = 0  # bumped per connection: acks of an older one must not be sent
        self._restart = threading.Event()
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._ever_connected = False
        self._lock = threading.Lock()
        self._buffer = _Buffer(self.generation)
        self._busy = False  # a telemetry job of ours is queued or committing
        self.client = self._make_client()

    # -- connection ----------------------------------------------------------------------------
    def _make_client(self) -> IngestClient:
        client = IngestClient(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                              protocol=mqtt.MQTTv5, manual_ack=True)
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set()
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _connect_properties(self) -> Properties:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session_expiry
        props.ReceiveMaximum = 65535
        return props

    def start(self) -> None:
        """Connect in the background (retrying) and keep the subscription alive."""
        if self._supervisor is not None:
            return
        self._connect()
        self._supervisor = threading.Thread(target=self._supervise, name="mqtt-supervisor",
                                            daemon=True)
        self._supervisor.start()

    def _connect(self) -> None:
        self.generation += 1
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=30,
                                  clean_start=False, properties=self._connect_properties())
        self.client.reconnect_delay_set(min_delay=1, max_delay=MAX_RECONNECT_DELAY)
        self.client.loop_start()

    def _supervise(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            if not self._restart.wait(1.0):
                if self._busy:  # submits restart a dead writer, and we submit none meanwhile
                    self.pipeline.start()
                continue
            self._restart.clear()
            if self._stopping.is_set():
                break
            self.client.disconnect()
            self.client.loop_stop()
            attempt += 1
            self._stopping.wait(min(MAX_RECONNECT_DELAY, 0.5 * 2 ** min(attempt, 6))
                                * random.uniform(0.5, 1.0))
            if not self._stopping.is_set():
                self._connect()

    def stop(self) -> None:
        self._stopping.set()
        self._restart.set()
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            self.stats.last_error = f"connect refused: {reason_code}"
            log.warning("MQTT connect refused: %s", reason_code)
            return
        if self._ever_connected:
            self.stats.reconnects += 1
        self._ever_connected = True
        self.stats.connected = True
        topics = [TELEMETRY, STATUS, ATTRIBUTES, COMMAND_RESPONSES]
        if self.shared:
            topics = [f"$share/{SHARE_GROUP}/{t}" for t in topics]
        client.subscribe([(t, mqtt.SubscribeOptions(qos=1)) for t in topics])
        log.info("MQTT connected to %s:%s as %s", self.broker.host, self.broker.port,
                 self.client_id)

    def _on_disconnect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        was_connected, self.stats.connected = self.stats.connected, False
        if was_connected and not self._stopping.is_set():
            log.warning("MQTT disconnected: %s", reason_code)
        # Exponential backoff in paho, with jitter so that a fleet does not reconnect in step.
        client.reconnect_delay_set(min_delay=random.uniform(0.5, 1.5),
                                   max_delay=MAX_RECONNECT_DELAY)

    # -- messages ------------------------------------------------------------------------------
    def _on_message(self, client, _userdata, message) -> None:
        self.stats.messages_in += 1
        received = time.perf_counter()
        parts = message.topic.split("/")
        if len(parts) not in (3, 5) or parts[0] != "devices":
            self._ack(message, self.generation)
            return
        device_id, kind = parts[1], parts[2]
        try:
            if kind == "telemetry" and len(parts) == 3:
                self._telemetry(device_id, message, received)
            else:
                self._control(device_id, parts, message)
                self._ack(message, self.generation)
        except Exception as exc:  # never let one message kill the loop
            if unavailable(exc):  # the registry could not be read: keep it for redelivery
                self.stats.last_error = f"database unavailable: {exc}"[:300]
                log.warning("MQTT message on %s left unacked: database unavailable",
                            message.topic)
                self._restart.set()
                return
            log.exception("MQTT message on %s failed", message.topic)
            self._reject(device_id, message.topic, "internal_error", str(exc)[:200])
            self._ack(message, self.generation)

    def _telemetry(self, device_id: str, message, received: float) -> None:
        generation = self.generation
        status = self.devices.status(device_id)
        if status != "active":
            code = "unknown_device" if status is None else "device_disabled"
            self._reject(device_id, message.topic, code, f"device {device_id}: {code}")
            self._ack(message, generation)
            return
        outcome = Outcome()
        try:
            body = parse.loads(message.payload)
            if _looks_like_senml(body):
                collect(outcome, parse.senml_points(device_id, body, self.max_skew_ms))
            else:
                collect(outcome, parse.json_readings(device_id, body, self.max_skew_ms))
        except parse.PayloadError as exc:
            self._reject(device_id, message.topic, exc.code, exc.message)
            self._ack(message, generation)
            return
        if len(outcome.points) > self.max_points:
            self._reject(device_id, message.topic, "too_many_points",
                         f"at most {self.max_points} points per message")
            self._ack(message, generation)
            return
        if outcome.rejected:
            self._reject(device_id, message.topic, "rejected_items", "some readings rejected",
                         outcome.rejected)
        if not outcome.points:
            self._ack(message, generation)
            return
        with self._lock:
            buffer = self._buffer
            if buffer.generation != generation:  # left from a dropped connection: redelivered
                buffer = self._buffer = _Buffer(generation)
            if not buffer.points:
                buffer.received = received
            buffer.points += outcome.points
            buffer.ends.append(len(buffer.points))
            buffer.topics.append((device_id, message.topic))
            if message.qos:
                buffer.mids.append(message.mid)
            if self._busy:
                return  # goes with the next job, when the writer is done with ours
            self._busy = True
            self._buffer = _Buffer(generation)
        self._submit(buffer, block=True)

    def _submit(self, buffer: _Buffer, block: bool) -> None:
        """Hand a buffer to the writer (self._busy is set); on a full queue, reconnect."""
        try:
            self.pipeline.submit(buffer.points, callback=lambda job: self._committed(job, buffer),
                                 block=block, units=buffer.ends)
        except QueueFull:
            self.stats.last_error = "ingest queue full"
            with self._lock:
                self._busy = False
            self._restart.set()  # its messages stay unacked: the broker redelivers them

    def _committed(self, job, buffer: _Buffer) -> None:
        """In the writer thread: ack the buffer's messages, then submit what gathered meanwhile."""
        if job.error is not None:
            self.stats.commit_failures += 1
            self.stats.last_error = f"commit failed: {job.error}"[:300]
            self._restart.set()  # reconnect unacked: the broker redelivers
        else:
            self.stats.last_latency_ms = round((time.perf_counter() - buffer.received) * 1000, 2)
            for unit, reason in job.refused:  # acked too: a redelivery would be refused again
                device_id, topic = buffer.topics[unit]
                self._reject(device_id, topic, REFUSED_CODE, f"storage refused it: {reason}")
            if buffer.generation == self.generation:
                self.client.ack_many(buffer.mids)
                self.stats.acked += len(buffer.mids)
        with self._lock:
            pending = self._buffer
            self._buffer = _Buffer(pending.generation)
            if job.error is not None or not pending.points:  # after an error: redelivered
                self._busy = False
                return
        # Never block the writer on its own queue; if full, the reconnect redelivers these.
        self._submit(pending, block=False)

    def _control(self, device_id: str, parts: list[str], message) -> None:
        """Status, reported attributes and command responses: rare, handled inline."""
        status = self.devices.status(device_id)
        if status != "active":  # the broker's ACL checks this too: defence in depth
            code = "unknown_device" if status is None else "device_disabled"
            self._reject(device_id, message.topic, code, f"device {device_id}: {code}")
            return
        kind = parts[2]
        if kind == "status" and len(parts) == 3:
            self._status(device_id, message)
            return
        try:
            body = orjson.loads(message.payload)
        except orjson.JSONDecodeError as exc:
            self._reject(device_id, message.topic, "invalid_json", f"malformed JSON: {exc}")
            return
        if not isinstance(body, dict):
            self._reject(device_id, message.topic, "invalid_payload", "expected a JSON object")
            return
        try:
            if kind == "attributes" and len(parts) == 3:
                self.handlers["attributes"](device_id, body)
            elif kind == "commands" and parts[4] == "response":
                self.handlers["command_response"](device_id, parts[3], body)
        except ApiError as exc:
            self._reject(device_id, message.topic, exc.code, exc.message)

    def _status(self, device_id: str, message) -> None:
        text = message.payload.decode("utf-8", "replace").strip()
        if text.startswith("{"):
            try:
                text = str(orjson.loads(text).get("status", ""))
            except (orjson.JSONDecodeError, AttributeError):
                text = ""
        state = text.lower()
        if state not in ("online", "offline"):
            self._reject(device_id, message.topic, "invalid_status",
                         "status must be online or offline")
            return
        self.handlers["status"](device_id, state)

    def _ack(self, message, generation: int) -> None:
        if message.qos == 0 or generation != self.generation:
            return
        self.client.ack(message.mid, message.qos)
        self.stats.acked += 1

    def _reject(self, device_id: str, topic: str, code: str, message: str,
                items: list | None = None) -> None:
        """Count, log and tell the device (smartcity/errors/<device_id>) what was wrong."""
        self.stats.rejected += 1
        log.warning("MQTT reject on %s: %s (%s)", topic, code, message,
                    extra={"topic": topic, "device_id": device_id})
        body = {"topic": topic, "code": code, "message": message, "ts": now_ms()}
        if items:
            body["rejected"] = items
        self.client.publish(f"smartcity/errors/{device_id}", orjson.dumps(body), qos=0)


def _looks_like_senml(body) -> bool:
    return (isinstance(body, list) and bool(body) and isinstance(body[0], dict)
            and any(k in body[0] for k in ("n", "bn", "bt", "bver")))

