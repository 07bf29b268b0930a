"""A short-lived admin connection that sends command batches to the dynamic-security plugin.

The plugin answers every batch on `$CONTROL/dynamic-security/v1/response`, to every subscriber
and at QoS 0, one response per command in order; correlation data tells our answers apart.
"""

import threading
import uuid

import orjson
import paho.mqtt.client as mqtt

from smartcity.mqtt.accounts.acl import CONTROL_TOPIC
from smartcity.mqtt.settings import BrokerSettings

RESPONSE_TOPIC = CONTROL_TOPIC + "/response"


class BrokerUnavailable(Exception):
    """The broker could not be reached, refused our admin login, or did not answer."""


class DynsecControl:
    def __init__(self, broker: BrokerSettings, username: str, password: str, client_id: str,
                 timeout: float = 10.0):
        self.timeout = timeout
        self._waiting: dict[str, dict] = {}  # correlation prefix -> {"event", "responses"}
        self._ready = threading.Event()
        self._refused: str | None = None
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  protocol=mqtt.MQTTv5)
        self.client.username_pw_set(username, password)
        if broker.tls:
            self.client.tls_set()
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_a: self._ready.set()
        self.client.on_message = self._on_message
        self.broker = broker

    def __enter__(self) -> "DynsecControl":
        try:
            self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        except OSError as exc:
            raise BrokerUnavailable(f"cannot reach the broker: {exc}") from None
        self.client.loop_start()
        if not self._ready.wait(self.timeout) or self._refused:
            self.close()
            raise BrokerUnavailable(self._refused or "no answer from the broker")
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            self._refused = f"admin login refused: {reason_code}"
            self._ready.set()
            return
        client.subscribe(RESPONSE_TOPIC, qos=0)

    def _on_message(self, _client, _userdata, message) -> None:
        try:
            responses = orjson.loads(message.payload).get("responses") or []
        except (orjson.JSONDecodeError, AttributeError):
            return
        for response in responses:
            prefix = str(response.get("correlationData", "")).partition(":")[0]
            waiting = self._waiting.get(prefix)
            if waiting is not None:
                waiting["responses"].append(response)
                if len(waiting["responses"]) == waiting["expected"]:
                    waiting["event"].set()

    def send(self, commands: list[dict]) -> list[dict]:
        """Run a batch; return the plugin's responses in the order of `commands`."""
        if not commands:
            return []
        prefix = uuid.uuid4().hex
        batch = [{**c, "correlationData": f"{prefix}:{i}"} for i, c in enumerate(commands)]
        waiting = {"event": threading.Event(), "responses": [], "expected": len(batch)}
        self._waiting[prefix] = waiting
        try:
            info = self.client.publish(CONTROL_TOPIC, orjson.dumps({"commands": batch}), qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS or not waiting["event"].wait(self.timeout):
                raise BrokerUnavailable("the dynamic-security plugin did not answer "
                                        "(is it loaded, and may this user use $CONTROL?)")
        finally:
            self._waiting.pop(prefix, None)
        by_index = {int(r["correlationData"].partition(":")[2]): r for r in waiting["responses"]}
        return [by_index.get(i, {"error": "no response"}) for i in range(len(batch))]
