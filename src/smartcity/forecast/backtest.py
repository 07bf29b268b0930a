"""Rolling-origin backtests and choosing the method that did best on them.

A forecaster is `f(end, horizon) -> Forecast` of y[end:end+horizon] made from y[:end] only.
Exogenous inputs (time of week, temperature) are arrays that run past the history by the
horizon, so the same forecaster serves the backtest (end inside the history) and the forecast
(end = len(y)). In a backtest the temperature of the forecast hours is the measured one: the
score is that of the model given a perfect weather forecast, as is usual for load models.
"""

from collections.abc import Callable

import numpy as np

from smartcity.forecast.methods import Forecast, holt_winters, seasonal_naive
from smartcity.forecast.metrics import cv_rmse, mase_scale, nmbe
from smartcity.forecast.regression import tow_temperature

Forecaster = Callable[[int, int], Forecast]


def forecasters(y, m: int, tow=None, temperature=None, level: float = 0.95,
                naive_m: int | None = None) -> dict[str, Forecaster]:
    """The standard candidates: seasonal naive, Holt-Winters and, given tow, the regression."""
    y = np.asarray(y, dtype=float)
    naive_m = naive_m or m
    out: dict[str, Forecaster] = {
        "seasonal_naive": lambda end, h: seasonal_naive(y[:end], naive_m, h, level),
        "holt_winters": lambda end, h: holt_winters(y[:end], m, h, level),
    }
    if tow is not None:
        tow = np.asarray(tow)
        temp = None if temperature is None else np.asarray(temperature, dtype=float)
        out["tow_temperature"] = lambda end, h: tow_temperature(
            y[:end], tow[:end], tow[end:end + h],
            None if temp is None else temp[:end], None if temp is None else temp[end:end + h],
            level)
    return out


def backtest(y, forecaster: Forecaster, test_points: int, horizon: int, m: int) -> dict:
    """Score forecasts of the last `test_points` values, made `horizon` at a time.

    MAE, CV(RMSE) and NMBE (ASHRAE Guideline 14, p = 1: see metrics.py) pool every forecast
    point; MASE scales each origin's errors by the seasonal naive MAE of that origin's own
    training data (None when every training history is exactly periodic); coverage is the
    share of actual values inside the prediction intervals.
    """
    y = np.asarray(y, dtype=float)
    if not 0 < test_points < y.size:
        raise ValueError("test_points must be positive and shorter than the series")
    actual, predicted, scaled, inside = [], [], [], 0
    for end in range(y.size - test_points, y.size, horizon):
        h = min(horizon, y.size - end)
        f = forecaster(end, h)
        truth = y[end:end + h]
        actual.append(truth)
        predicted.append(f.mean)
        scale = mase_scale(y[:end], m)
        if scale > 0:  # an exactly periodic history: MASE is undefined (Hyndman & Koehler)
            scaled.append(np.abs(truth - f.mean) / scale)
        inside += int(np.sum((truth >= f.lower) & (truth <= f.upper)))
    a, p = np.concatenate(actual), np.concatenate(predicted)
    return {"origins": len(actual), "points": int(a.size),
            "mae": round(float(np.mean(np.abs(a - p))), 4),
            "cv_rmse": round(cv_rmse(a, p), 3), "nmbe": round(nmbe(a, p), 3),
            "mase": round(float(np.mean(np.concatenate(scaled))), 4) if scaled else None,
            "coverage": round(inside / a.size, 3)}


def best_forecast(y, m: int, horizon: int, test_points: int, tow=None, temperature=None,
                  level: float = 0.95, naive_m: int | None = None) -> dict:
    """Backtest every candidate, forecast with the one of lowest CV(RMSE).

    Answers {"method", "forecast": Forecast, "backtests": {method: scores}}; a candidate that
    cannot run on this history (too short) is left out of the comparison.
    """
    y = np.asarray(y, dtype=float)
    candidates = forecasters(y, m, tow, temperature, level, naive_m)
    scores = {}
    for name, f in candidates.items():
        try:
            scores[name] = backtest(y, f, test_points, horizon, naive_m or m)
        except ValueError:
            continue
    if not scores:
        raise ValueError("history too short for any forecasting method")
    method = min(scores, key=lambda name: scores[name]["cv_rmse"])
    return {"method": method, "forecast": candidates[method](y.size, horizon),
            "backtests": scores}
