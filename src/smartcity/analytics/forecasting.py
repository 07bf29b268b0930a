"""Forecast any device-key's hourly means, with the backtest behind it (core forecast module).

The history is the device's hourly means from the rollups over the last history_days; short
gaps are interpolated, and a history with less than MIN_COVERAGE of its hours is refused rather
than forecast from invented values. Every method is scored by the same rolling-origin backtest
over the held-out last backtest_days (smartcity.forecast.backtest), next to the seasonal naive
baseline on the same window; `auto` picks the lowest CV(RMSE), as best_forecast does.

Every method's forecast of one issue is stored (issued.py): a second request within the hour
answers from the store, and the scheduler's jobs issue every device-key's forecasts each hour
and score them once their hours have passed.
"""

import numpy as np
from flask import current_app

from smartcity.analytics import issued
from smartcity.devices.service import get_device
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.forecast import backtest, fill_gaps, time_of_week
from smartcity.forecast.backtest import forecasters
from smartcity.forecast.metrics import mase_scale
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


def compute(device_id: str, key: str, horizon: int, history_days: int, backtest_days: int,
            end: int, level: float) -> dict:
    """Backtest and forecast with every method that can run on the history before `end`.

    {"coverage", "scale", "chosen", "methods": {api name: {"points", "scores"}}}; `chosen` is
    the lowest backtest CV(RMSE), what `auto` answers; `scale` is the history's in-sample
    seasonal naive MAE, which scales the errors of these forecasts into MASE when scored.
    """
    hours, y = history(device_id, key, end, history_days)
    coverage = float(np.isfinite(y).mean())
    if coverage < MIN_COVERAGE:
        raise _insufficient(f"only {coverage:.0%} of the last {history_days} days of {key} "
                            f"have readings (need {MIN_COVERAGE:.0%})")
    y = fill_gaps(y)
    future = end + HOUR * np.arange(horizon, dtype=np.int64)
    tow = time_of_week(np.concatenate([hours, future]))  # UTC hours of the week
    api_name = {v: k for k, v in METHOD_NAMES.items()}
    methods = {}
    for name, forecaster in forecasters(y, M, tow=tow, level=level).items():
        try:
            scores = backtest(y, forecaster, backtest_days * 24, horizon, M)
        except ValueError:
            continue  # too short a history for this method
        f = forecaster(y.size, horizon)
        methods[api_name[name]] = {
            "scores": scores, "points": [_point(int(ts), f, i) for i, ts in enumerate(future)]}
    if not methods:
        raise _insufficient("history too short for any forecasting method")
    scale = mase_scale(y, M)
    return {"coverage": round(coverage, 3), "scale": scale if scale > 0 else None,
            "chosen": min(methods, key=lambda n: methods[n]["scores"]["cv_rmse"]),
            "methods": methods}


def _answer(rows: list, method: str, cached: bool) -> dict:
    by = {r.method: r for r in rows}
    chosen = next(r.method for r in rows if r.chosen) if method == "auto" else method
    if chosen not in by:
        raise _insufficient(f"history too short for {method}")
    shown = by if method == "auto" else {n: by[n] for n in (chosen, "seasonal_naive") if n in by}
    run, baseline = by[chosen], by.get("seasonal_naive")
    best, base = run.backtest, baseline.backtest if baseline else None
    return {"device_id": run.device_id, "key": run.key, "issued": run.issued,
            "horizon_h": run.horizon_h, "method": chosen, "level": run.level,
            "history_days": run.history_days, "coverage": run.coverage, "points": run.points,
            "run_id": run.id, "cached": cached,
            "backtest": {"days": run.backtest_days, "method": chosen, "scores": best,
                         "baseline": {"method": "seasonal_naive", "m": M, "scores": base},
                         "methods": {n: r.backtest for n, r in shown.items()},
                         "beats_baseline": base is not None
                         and best["cv_rmse"] < base["cv_rmse"]}}


def issue(device_id: str, key: str, horizon: int, history_days: int, backtest_days: int,
          end: int) -> tuple[list, bool]:
    """This hour's stored forecasts of the device-key, computed and stored when missing."""
    rows = issued.find(device_id, key, end, horizon, history_days, backtest_days)
    if rows:
        return rows, True
    level = current_app.config["ANALYTICS_FORECAST_LEVEL"]
    computed = compute(device_id, key, horizon, history_days, backtest_days, end, level)
    return issued.save(device_id, key, end, horizon, history_days, backtest_days, level,
                       computed), False


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
    rows, cached = issue(device_id, key, horizon, history_days, backtest_days,
                         reads.reporting_end(at))
    return _answer(rows, method, cached)
