"""Prometheus metrics: one registry per app so tests can build many apps."""

import time

from flask import current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("smartcity_http_requests", "HTTP requests",
                                ["method", "endpoint", "status"], registry=self.registry)
        self.latency = Histogram("smartcity_http_request_seconds", "HTTP request latency",
                                 ["endpoint"], registry=self.registry,
                                 buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))


def register_collector(app, collector) -> None:
    """Expose a subsystem's own figures (collector.collect() yields metric families)."""
    app.extensions["smartcity.metrics"].registry.register(collector)


def metrics() -> Metrics:
    return current_app.extensions["smartcity.metrics"]


def init_app(app):
    app.extensions["smartcity.metrics"] = Metrics()

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def count_request(response):
        started = g.pop("request_started", None)
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            m = metrics()
            m.requests.labels(request.method, endpoint, response.status_code).inc()
            m.latency.labels(endpoint).observe(time.perf_counter() - started)
        return response
