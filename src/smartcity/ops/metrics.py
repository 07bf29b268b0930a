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
        # (method, endpoint, status) -> the two label children; labels() costs more per request
        # than counting. Bounded: endpoints are URL rules, not paths.
        self._children: dict[tuple, tuple] = {}

    def observe_request(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        children = self._children.get((method, endpoint, status))
        if children is None:
            children = self._children[(method, endpoint, status)] = (
                self.requests.labels(method, endpoint, status), self.latency.labels(endpoint))
        children[0].inc()
        children[1].observe(seconds)


def register_collector(app, collector) -> None:
    """Expose a subsystem's own figures (collector.collect() yields metric families)."""
    app.extensions["smartcity.metrics"].registry.register(collector)


def metrics() -> Metrics:
    return current_app.extensions["smartcity.metrics"]


def init_app(app):
    m = app.extensions["smartcity.metrics"] = Metrics()

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def count_request(response):
        started = g.pop("request_started", None)
        if started is not None:
            rule = request.url_rule
            m.observe_request(request.method, rule.rule if rule else "unmatched",
                              response.status_code, time.perf_counter() - started)
        return response
