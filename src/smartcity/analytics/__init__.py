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
    })


@domain.setup
def add_reports(app) -> None:
    """The reports API beside the analytics one."""
    from smartcity.analytics.reports.routes import bp

    app.register_blueprint(bp)
