"""Analytics: forecast accuracy as a service, forecasts of any device-key with their backtest,
and the city's KPIs.

Analytics treats every domain alike and imports none: KPIs come from the `@domain.kpi`
registry on each enabled Domain (smartcity/domain.py), forecasts from the core forecast module
over the telemetry rollups (telemetry/reads.py).
"""

from smartcity.analytics import jobs
from smartcity.domain import Domain
from smartcity.timeutil import now_ms

domain = Domain(
    "analytics", "Analytics", routes="smartcity.analytics.routes", order=90,
    page_script="js/pages/analytics.js",
    defaults={
        "ANALYTICS_FORECAST_HISTORY_DAYS": 28,  # hourly history a forecast is fitted on
        "ANALYTICS_FORECAST_BACKTEST_DAYS": 7,  # held-out last days the methods are scored on
        "ANALYTICS_FORECAST_LEVEL": 0.95,  # probability of the prediction interval
        "ANALYTICS_FORECAST_HORIZON_H": 24,  # hours the scheduled forecasts look ahead
        "ANALYTICS_FORECAST_KEYS": None,  # key names the job forecasts; None: every numeric key
        "ANALYTICS_FORECAST_INTERVAL": 300,  # seconds between runs of the forecast job
        "ANALYTICS_FORECAST_BUDGET_S": 60,  # a run stops after this; the next one goes on
        "ANALYTICS_SCORING_INTERVAL": 900,  # seconds between scorings of passed forecasts
        "ANALYTICS_FORECAST_KEEP_DAYS": 90,  # issued forecasts kept this long
        "ANALYTICS_REPORT_INTERVAL": 300,  # seconds between checks for due report schedules
    })


@domain.job("analytics_forecasts", "ANALYTICS_FORECAST_INTERVAL")
def issue_forecasts(app) -> dict:
    """This hour's forecasts of the device-keys not issued yet; an analytics_update tells."""
    result = jobs.issue_all(budget_s=app.config["ANALYTICS_FORECAST_BUDGET_S"])
    domain.push(app, {"kind": "forecasts", **result, "ts": now_ms()})
    return result


@domain.job("analytics_forecast_scoring", "ANALYTICS_SCORING_INTERVAL")
def score_forecasts(app) -> dict:
    """Score the forecasts whose hours have passed; an analytics_update when any was."""
    result = jobs.score_and_prune(app.config["ANALYTICS_FORECAST_KEEP_DAYS"])
    if result["scored"]:
        domain.push(app, {"kind": "scores", **result, "ts": now_ms()})
    return result


@domain.setup
def add_reports(app) -> None:
    """The reports API and page beside the analytics ones; report e-mails composed."""
    from smartcity.analytics.reports.routes import bp
    from smartcity.analytics.reports.schedules import compose_email
    from smartcity.dashboard.tiles import register_page
    from smartcity.notifications.dispatcher import get_dispatcher

    app.register_blueprint(bp)
    register_page(app, "reports", "Reports", "/reports", script="js/pages/reports.js",
                  order=domain.order + 1)
    get_dispatcher(app).add_composer("report", compose_email)


@domain.job("report_schedules", "ANALYTICS_REPORT_INTERVAL")
def send_due_reports(app) -> dict:
    from smartcity.analytics.reports.schedules import send_due

    return send_due()
