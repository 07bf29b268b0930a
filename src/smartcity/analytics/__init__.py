"""Analytics: forecast accuracy as a service, forecasts of any device-key with their backtest,
and the city's KPIs.

Analytics treats every domain alike and imports none: KPIs come from the `@domain.kpi`
registry on each enabled Domain (smartcity/domain.py), forecasts from the core forecast module
over the telemetry rollups (telemetry/reads.py).
"""

from smartcity.domain import Domain

domain = Domain(
    "analytics", "Analytics", routes="smartcity.analytics.routes", order=90,
    defaults={
        "ANALYTICS_FORECAST_HISTORY_DAYS": 28,  # hourly history a forecast is fitted on
        "ANALYTICS_FORECAST_BACKTEST_DAYS": 7,  # held-out last days the methods are scored on
        "ANALYTICS_FORECAST_LEVEL": 0.95,  # probability of the prediction interval
        "ANALYTICS_REPORT_INTERVAL": 300,  # seconds between checks for due report schedules
    })


@domain.setup
def add_reports(app) -> None:
    """The reports API beside the analytics one; report e-mails composed with the report."""
    from smartcity.analytics.reports.routes import bp
    from smartcity.analytics.reports.schedules import compose_email
    from smartcity.notifications.dispatcher import get_dispatcher

    app.register_blueprint(bp)
    get_dispatcher(app).add_composer("report", compose_email)


@domain.job("report_schedules", "ANALYTICS_REPORT_INTERVAL")
def send_due_reports(app) -> dict:
    from smartcity.analytics.reports.schedules import send_due

    return send_due()
