"""Wire alerts into an app: rule engine on the telemetry hook, jobs, live push, history filter.

Engine state is per process. With several processes writing telemetry (gunicorn workers that
each take HTTP ingest), a device's readings may be split between engines: for-duration timers
and EWMA statistics then see only part of the stream. Alarms themselves stay correct — the
database holds one open alarm per originator and type, and each engine re-reads which alarms
are open every 30 s. Run ingest through `run.py ingest-worker` (or route a device to one
process) when anomaly and for-duration rules matter; after a restart anomaly rules warm up again.
"""

from sqlalchemy import exists

from smartcity.alerts import jobs, rule_service, service
from smartcity.alerts.engine import Engine
from smartcity.alerts.models import AnomalyFlag
from smartcity.jobs.scheduler import get_scheduler
from smartcity.ops.health import register_check
from smartcity.realtime.setup import publish_alert
from smartcity.telemetry.params import add_history_filter
from smartcity.telemetry.pipeline import pipeline_of

ENGINE = "smartcity.alerts_engine"


def init_app(app) -> Engine:
    app.config.setdefault("ALERT_NO_DATA_INTERVAL", 30)  # seconds between no-data checks
    engine = Engine(app)
    app.extensions[ENGINE] = engine
    app.extensions[rule_service.RULES_CHANGED] = engine.rules_changed
    pipeline_of(app).add_hook(engine.evaluate)
    service.add_alarm_listener(app, lambda action, alarm, _rule: publish_alert(app, action, alarm))
    scheduler = get_scheduler(app)
    scheduler.register("alerts_no_data", app.config["ALERT_NO_DATA_INTERVAL"],
                       jobs.check_no_data)
    scheduler.register("alerts_anomaly_flag_retention", app.config["RETENTION_INTERVAL"],
                       jobs.prune_anomaly_flags)
    add_history_filter(app, "anomalies_only", anomalies_clause)
    register_check(app, "alerts", lambda: {"status": "ok", "rules": len(engine.rules),
                                           **engine.stats})
    return engine


def anomalies_clause(telemetry, telemetry_keys):
    """History rows some anomaly rule flagged."""
    flags = AnomalyFlag.__table__.c
    return exists().where(flags.device_id == telemetry.c.device_id,
                          flags.key == telemetry_keys.c.name, flags.ts == telemetry.c.ts)


def get_engine(app) -> Engine:
    return app.extensions[ENGINE]
