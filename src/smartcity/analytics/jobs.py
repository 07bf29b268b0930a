"""What the scheduler's forecast jobs run: every device-key's forecasts each hour, and scoring.

The issuing job forecasts every numeric device-key that reported within the history window
(or only the keys ANALYTICS_FORECAST_KEYS names) with the default history, backtest and
horizon, so GET /api/analytics/forecast with those defaults answers from the store. A
device-key without enough history is counted as skipped. The scheduler runs its jobs one after
the other in one thread, so a run stops after ANALYTICS_FORECAST_BUDGET_S and the next run
(every ANALYTICS_FORECAST_INTERVAL) goes on with the series not issued yet this hour.
bench/forecast.py times the whole city's work against the hour.
"""

import time

from flask import current_app

from smartcity.analytics import forecasting, issued
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.telemetry import reads

DAY = 86_400_000


def issue_all(at: int | None = None, budget_s: float | None = None) -> dict:
    """This hour's forecasts of every device-key not issued yet, for at most budget_s seconds.

    {"series", "issued", "cached" (issued earlier this hour), "skipped" (too little history),
    "left" (for the next run: the budget ran out)}.
    """
    config = current_app.config
    end = reads.reporting_end(at)
    history_days = config["ANALYTICS_FORECAST_HISTORY_DAYS"]
    backtest_days = config["ANALYTICS_FORECAST_BACKTEST_DAYS"]
    horizon = config["ANALYTICS_FORECAST_HORIZON_H"]
    keys = config["ANALYTICS_FORECAST_KEYS"]
    with db.reader() as conn:
        series = [(d, k) for d, k in reads.numeric_series(conn, end - history_days * DAY)
                  if keys is None or k in keys]
    done = issued.issued_series(end, horizon, history_days, backtest_days)
    todo = [s for s in series if s not in done]
    counts = {"series": len(series), "issued": 0, "cached": len(series) - len(todo),
              "skipped": 0, "left": 0}
    started = time.monotonic()
    for i, (device_id, key) in enumerate(todo, start=1):
        try:
            _rows, cached = forecasting.issue(device_id, key, horizon, history_days,
                                              backtest_days, end)
            counts["cached" if cached else "issued"] += 1
        except ApiError:
            counts["skipped"] += 1
        if budget_s is not None and time.monotonic() - started > budget_s:
            counts["left"] = len(todo) - i  # every run issues at least one
            break
    return counts


def score_and_prune(keep_days: int, at: int | None = None) -> dict:
    """Score the runs whose hours have passed; drop those issued more than keep_days ago."""
    result = issued.score(at)
    result["pruned"] = issued.prune(keep_days, at)
    return result
