"""The shipped Grafana dashboard (ops/grafana/smartcity.json) only charts what /metrics exports."""

import json
import re
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from smartcity.mqtt.consumer import MqttConsumer
from smartcity.mqtt.setup import MqttCollector
from smartcity.ops.metrics import register_collector

DASHBOARD = Path(__file__).resolve().parents[2] / "ops" / "grafana" / "smartcity.json"
METRIC = re.compile(r"\b(smartcity_[a-z0-9_]+)(\{[^}]*\})?")
LABEL = re.compile(r"([a-z_]+)\s*=~?")
GROUPING = re.compile(r"\bby\s*\(([^)]*)\)")
PROMETHEUS_LABELS = {"job", "instance", "le"}  # set by the scrape / histograms


def _exported(app, client) -> dict[str, set[str]]:
    """Sample name -> label names of everything this app exports once it has served a request,
    with the MQTT consumer's collector (registered when a process consumes MQTT) included."""
    consumer = MqttConsumer(app, app.extensions["smartcity.pipeline"], "grafana-test", {})
    register_collector(app, MqttCollector(consumer))  # built, never started: no broker needed
    client.get("/api/health")
    client.get("/metrics")  # a request to /metrics itself also shows in the counters
    text = generate_latest(app.extensions["smartcity.metrics"].registry).decode()
    exported: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            exported.setdefault(sample.name, set()).update(sample.labels)
    return exported


def _targets(dashboard: dict):
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def test_every_dashboard_expression_uses_exported_metrics_and_labels(make_app):
    app = make_app(MQTT_URL="mqtt://127.0.0.1:1")
    exported = _exported(app, app.test_client())
    dashboard = json.loads(DASHBOARD.read_text())
    checked = 0
    for title, expr in _targets(dashboard):
        used = METRIC.findall(expr)
        assert used or expr.startswith("sum(up{"), f"{title}: no smartcity metric in {expr}"
        for name, matchers in used:
            assert name in exported, f"{title}: {name} is not exported"
            labels = set(LABEL.findall(matchers)) | {
                label.strip() for group in GROUPING.findall(expr) for label in group.split(",")}
            unknown = labels - exported[name] - PROMETHEUS_LABELS
            assert not unknown, f"{title}: {name} has no label {sorted(unknown)}"
            checked += 1
    assert checked >= 15


def test_dashboard_is_importable_json_with_a_prometheus_input():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["__inputs"][0]["pluginId"] == "prometheus"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}"
