"""Wire telemetry into an app: pipeline, retention job, health check and metrics."""

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from smartcity.extensions import db
from smartcity.jobs.scheduler import get_scheduler
from smartcity.ops.health import register_check
from smartcity.ops.metrics import register_collector
from smartcity.telemetry import pipeline as pipeline_module
from smartcity.telemetry.retention import apply_retention


class IngestCollector:
    def __init__(self, pipeline):
        self.pipeline = pipeline

    def collect(self):
        stats = self.pipeline.stats
        yield GaugeMetricFamily("smartcity_ingest_queue_depth", "Jobs waiting for the writer",
                                value=self.pipeline.depth())
        for name in ("batches", "points_in", "points_stored", "commit_failures", "parts_refused",
                     "requests_shed"):
            yield CounterMetricFamily(f"smartcity_ingest_{name}", f"Writer {name}",
                                      value=stats[name])
        yield GaugeMetricFamily("smartcity_ingest_last_commit_ms", "Duration of the last commit",
                                value=stats["last_commit_ms"])


def init_app(app) -> None:
    pipeline = pipeline_module.init_app(app)

    def ingest_health():
        depth, size = pipeline.depth(), app.config["INGEST_QUEUE_SIZE"]
        writer_died = pipeline.thread is not None and not pipeline.alive()
        status = "degraded" if depth > size * 0.8 or writer_died else "ok"
        return {"status": status, "queue_depth": depth, "queue_size": size,
                "writer_alive": pipeline.alive(), **pipeline.stats}

    register_check(app, "ingest", ingest_health)
    register_collector(app, IngestCollector(pipeline))
    get_scheduler(app).register(
        "telemetry_retention", app.config["RETENTION_INTERVAL"],
        lambda a: apply_retention(a, db.engine))
