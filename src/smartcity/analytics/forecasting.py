"""Forecast any device-key's hourly means, with the backtest behind it (core forecast module).

The history is the device's hourly means from the rollups over the last history_days; short
gaps are interpolated, and a history with less than MIN_COVERAGE of its hours is refused rather
than forecast from invented values. Every method is scored by the same rolling-origin backtest
over the held-out last backtest_days (smartcity.forecast.backtest), next to the seasonal naive
baseline on the same window; `auto` picks the lowest CV(RMSE), as best_forecast does.
"""

import numpy as np
from flask import current_app

from smartcity.devices.service import get_device
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.forecast import backtest, fill_gaps, time_of_week
from smartcity.forecast.backtest import forecasters
from smartcity.telemetry import reads

HOUR, DAY = 3_600_000, 86_400_000
MIN_COVERAGE = 0.8
M = 24  # daily season of hourly data
# the API's method names -> the forecast module's
METHOD_NAMES = {"seasonal_naive": "seasonal_naive", "holt_winters": "holt_winters",
                "regression": "tow_temperature"}


def _insufficient(message: str) -> ApiError:
    return ApiError(422, "insufficient_history", message, {"field": "key"})


def history(device_id: str, key: str, end: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """(hour starts, hourly means with NaN where no reading) over [end − days, end)."""
    hours = np.arange(end - days * DAY, end, HOUR, dtype=np.int64)
    with db.reader() as conn:
        means = reads.hourly_means(conn, device_id, [key], int(hours[0]), end).get(key, {})
    return hours, np.array([means.get(int(h), np.nan) for h in hours], dtype=float)


def _point(ts: int, f, i: int) -> dict:
    return {"ts": ts, "value": round(float(f.mean[i]), 4), "lower": round(float(f.lower[i]), 4),
            "upper": round(float(f.upper[i]), 4)}


def device_forecast(device_id: str, key: str, horizon: int, method: str = "auto",
                    history_days: int | None = None, backtest_days: int | None = None,
                    at: int | None = None) -> dict:
    config = current_app.config
    get_device(device_id)
    history_days = history_days or config["ANALYTICS_FORECAST_HISTORY_DAYS"]
    backtest_days = backtest_days or config["ANALYTICS_FORECAST_BACKTEST_DAYS"]
    if backtest_days >= history_days - 1:
        raise ApiError(400, "validation_error", "backtest_days must leave two days of training",
                       {"field": "backtest_days"})
    level = config["ANALYTICS_FORECAST_LEVEL"]
    end = reads.reporting_end(at)
    hours, y = history(device_id, key, end, history_days)
    coverage = float(np.isfinite(y).mean())
    if coverage < MIN_COVERAGE:
        raise _insufficient(f"only {coverage:.0%} of the last {history_days} days of {key} "
                            f"have readings (need {MIN_COVERAGE:.0%})")
    y = fill_gaps(y)
    future = end + HOUR * np.arange(horizon, dtype=np.int64)
    tow = time_of_week(np.concatenate([hours, future]))  # UTC hours of the week
    candidates = forecasters(y, M, tow=tow, level=level)
    wanted = list(METHOD_NAMES.values()) if method == "auto" else \
        sorted({METHOD_NAMES[method], "seasonal_naive"})
    scores = {}
    for name in wanted:
        try:
            scores[name] = backtest(y, candidates[name], backtest_days * 24, horizon, M)
        except ValueError:
            continue  # too short a history for this method
    if method == "auto":
        if not scores:
            raise _insufficient("history too short for any forecasting method")
        chosen = min(scores, key=lambda n: scores[n]["cv_rmse"])
    else:
        chosen = METHOD_NAMES[method]
        if chosen not in scores:
            raise _insufficient(f"history too short for {method}")
    f = candidates[chosen](y.size, horizon)
    api_name = {v: k for k, v in METHOD_NAMES.items()}
    baseline, best = scores.get("seasonal_naive"), scores[chosen]
    return {"device_id": device_id, "key": key, "issued": end, "horizon_h": horizon,
            "method": api_name[chosen], "level": level, "history_days": history_days,
            "coverage": round(coverage, 3),
            "points": [_point(int(ts), f, i) for i, ts in enumerate(future)],
            "backtest": {"days": backtest_days, "method": api_name[chosen], "scores": best,
                         "baseline": {"method": "seasonal_naive", "m": M, "scores": baseline},
                         "methods": {api_name[n]: s for n, s in scores.items()},
                         "beats_baseline": baseline is not None
                         and best["cv_rmse"] < baseline["cv_rmse"]}}
