"""What the scheduler's forecast jobs run: every device-key's forecasts each hour, and scoring.

The issuing job forecasts every numeric device-key that reported within the history window
(or only the keys ANALYTICS_FORECAST_KEYS names) with the default history, backtest and
horizon, so GET /api/analytics/forecast with those defaults answers from the store. A
device-key without enough history is counted as skipped. bench/forecast.py times one run on
the demo city against ANALYTICS_FORECAST_INTERVAL.
"""

from flask import current_app

from smartcity.analytics import forecasting, issued
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.telemetry import reads

DAY = 86_400_000


def issue_all(at: int | None = None) -> dict:
    """This hour's forecasts of every device-key; {"series", "issued", "cached", "skipped"}."""
    config = current_app.config
    end = reads.reporting_end(at)
    history_days = config["ANALYTICS_FORECAST_HISTORY_DAYS"]
    backtest_days = config["ANALYTICS_FORECAST_BACKTEST_DAYS"]
    horizon = config["ANALYTICS_FORECAST_HORIZON_H"]
    keys = config["ANALYTICS_FORECAST_KEYS"]
    with db.reader() as conn:
        series = [(d, k) for d, k in reads.numeric_series(conn, end - history_days * DAY)
                  if keys is None or k in keys]
    counts = {"series": len(series), "issued": 0, "cached": 0, "skipped": 0}
    for device_id, key in series:
        try:
            _rows, cached = forecasting.issue(device_id, key, horizon, history_days,
                                              backtest_days, end)
        except ApiError:
            counts["skipped"] += 1
            continue
        counts["cached" if cached else "issued"] += 1
    return counts


def score_and_prune(keep_days: int, at: int | None = None) -> dict:
    """Score the runs whose hours have passed; drop those issued more than keep_days ago."""
    result = issued.score(at)
    result["pruned"] = issued.prune(keep_days, at)
    return result
