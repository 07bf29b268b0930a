"""Wire notifications into an app: alarm listener, retry sweep job, health check, metrics."""

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from smartcity.alerts.service import add_alarm_listener
from smartcity.jobs.scheduler import get_scheduler
from smartcity.notifications import people, service
from smartcity.notifications.dispatcher import Dispatcher
from smartcity.notifications.models import CHANNELS, STATUSES
from smartcity.ops.health import register_check
from smartcity.ops.metrics import register_collector


class NotificationCollector:
    def __init__(self, dispatcher: Dispatcher):
        self.dispatcher = dispatcher

    def collect(self):
        try:
            counts = service.counts(self.dispatcher.engine)
        except Exception:  # /metrics must answer even when the database does not
            counts = None
        if counts is not None:
            deliveries = GaugeMetricFamily("smartcity_notification_deliveries",
                                           "Notification deliveries in the log",
                                           labels=["status", "channel"])
            for status in STATUSES:
                for channel in CHANNELS:
                    deliveries.add_metric([status, channel],
                                          counts["by_status"].get((status, channel), 0))
            yield deliveries
            yield GaugeMetricFamily("smartcity_notification_overdue_seconds",
                                    "How late the oldest due delivery is",
                                    value=counts["overdue_s"])
        for name, value in self.dispatcher.stats.items():
            yield CounterMetricFamily(f"smartcity_notification_{name}",
                                      f"Notification deliveries {name} by this process",
                                      value=value)


def init_app(app) -> Dispatcher:
    dispatcher = Dispatcher(app)
    app.extensions["smartcity.notifications"] = dispatcher
    add_alarm_listener(app, dispatcher.on_alarm)

    def notifications_health():
        try:
            counts = service.counts(dispatcher.engine)
        except Exception as exc:
            return {"status": "down", "error": str(exc)[:200]}
        totals = {s: sum(n for (st, _c), n in counts["by_status"].items() if st == s)
                  for s in STATUSES}
        late = counts["overdue_s"] > max(120, 4 * app.config["NOTIFY_SWEEP_INTERVAL"])
        return {"status": "degraded" if late else "ok", "pending": totals["pending"],
                "failed": totals["failed"], "delivered": totals["delivered"],
                "overdue_s": counts["overdue_s"], "worker_alive": dispatcher.alive()}

    register_check(app, "notifications", notifications_health)
    register_collector(app, NotificationCollector(dispatcher))
    get_scheduler(app).register("notification_retries", app.config["NOTIFY_SWEEP_INTERVAL"],
                                lambda a: dispatcher.sweep())

    def digests(app_):
        sent = people.send_digests(app_)
        if sent["deliveries"]:
            dispatcher.wake()
        return sent

    get_scheduler(app).register("notification_digests", app.config["NOTIFY_DIGEST_INTERVAL"],
                                digests)
    if app.config["START_BACKGROUND"] and app.config["NOTIFY_WORKER"]:
        dispatcher.start()
    return dispatcher
