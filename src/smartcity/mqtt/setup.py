"""Start the MQTT consumer for a process and expose its state in health and metrics."""

from marshmallow import ValidationError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from smartcity.devices import attributes, commands
from smartcity.devices import service as devices
from smartcity.devices.control_schemas import command_response_schema
from smartcity.errors import ApiError
from smartcity.mqtt.accounts import setup as broker_accounts
from smartcity.mqtt.consumer import MqttConsumer
from smartcity.mqtt.settings import platform_client_id
from smartcity.ops.health import register_check
from smartcity.ops.metrics import register_collector
from smartcity.telemetry.pipeline import get_pipeline


class MqttCollector:
    def __init__(self, consumer: MqttConsumer):
        self.consumer = consumer

    def collect(self):
        stats = self.consumer.stats
        yield GaugeMetricFamily("smartcity_mqtt_connected", "1 while connected to the broker",
                                value=int(stats.connected))
        for name in ("reconnects", "messages_in", "acked", "rejected", "commit_failures"):
            yield CounterMetricFamily(f"smartcity_mqtt_{name}", f"MQTT {name}",
                                      value=getattr(stats, name))
        yield GaugeMetricFamily("smartcity_mqtt_last_latency_ms",
                                "Receive-to-ack latency of the oldest message last acked",
                                value=stats.last_latency_ms)


def start_consumer(app, role: str = "app") -> MqttConsumer:
    """Create, register and start this process's consumer (once)."""
    if "smartcity.mqtt" in app.extensions:
        return app.extensions["smartcity.mqtt"]
    with app.app_context():
        pipeline = get_pipeline()

    def in_app(fn):
        def run(*args):
            with app.app_context():
                return fn(*args)
        return run

    handlers = {"status": in_app(devices.report_state),
                "attributes": in_app(attributes.report),
                "command_response": in_app(_command_response)}
    consumer = MqttConsumer(app, pipeline, platform_client_id(app, role), handlers)
    app.extensions["smartcity.mqtt"] = consumer
    register_check(app, "mqtt", lambda: {
        "status": "ok" if consumer.stats.connected else "down", "client_id": consumer.client_id,
        "queue_depth": pipeline.depth(), **consumer.stats.as_dict()})
    register_collector(app, MqttCollector(consumer))
    consumer.start()
    return consumer


def _command_response(device_id: str, command_id: str, body: dict) -> None:
    try:
        data = command_response_schema.load(body)
    except ValidationError as exc:
        raise ApiError(400, "validation_error", f"invalid response: {exc.messages}") from None
    commands.respond(device_id, command_id, data)


def init_app(app) -> None:
    """The app consumes MQTT itself when MQTT_URL is set, unless a separate worker does."""
    broker_accounts.init_app(app)
    if app.config.get("MQTT_URL") and app.config["MQTT_INGEST"] and app.config["START_BACKGROUND"]:
        start_consumer(app, app.config.get("MQTT_ROLE", "app"))
