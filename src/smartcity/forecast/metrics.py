"""Forecast accuracy: MAE, ASHRAE Guideline 14 CV(RMSE) and NMBE, and MASE.

ASHRAE Guideline 14-2014, *Measurement of Energy, Demand, and Water Savings*, judges a model by
(y measured, ŷ predicted, ȳ the mean of the measured values, n points, p model parameters):

    CV(RMSE) = 100 × sqrt( Σ (y_i − ŷ_i)² / (n − p) ) / ȳ
    NMBE     = 100 × Σ (y_i − ŷ_i) / ( (n − p) × ȳ )

Both divide by the degrees of freedom n − p, not n. The sign is measured minus predicted, so a
positive NMBE means the model under-predicts. For hourly data the Guideline accepts a calibrated
model with CV(RMSE) ≤ 30 % and |NMBE| ≤ 10 % (monthly: 15 % and 5 %).

An out-of-sample backtest scores a model on points it was not fitted to; there we pass p = 1
(the mean is the one thing estimated from the scored points), the convention calibration tools
follow for simulations (e.g. OpenStudio's calibration report divides by n − 1).

MASE (Hyndman & Koehler 2006, "Another look at measures of forecast accuracy", IJF 22(4)):
errors scaled by the in-sample mean absolute error of the seasonal naive forecast,

    q_j = e_j / ( 1/(T − m) × Σ_{t=m+1..T} |y_t − y_{t−m}| ),   MASE = mean |q_j|

with T the training length and m the seasonal period (m = 1: the naive forecast). Below 1 the
forecast beats the in-sample seasonal naive one.

MAPE = 100 × mean |e_j / y_j| is undefined when an actual is zero; `evaluate` then answers null
rather than dropping points or dividing by an epsilon (either would flatter the forecast).
"""

import numpy as np

ASHRAE_HOURLY = {"cv_rmse": 30.0, "nmbe": 10.0}  # Guideline 14 calibration limits, %


def _pair(actual, predicted) -> tuple[np.ndarray, np.ndarray]:
    y, f = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    if y.shape != f.shape or y.size == 0:
        raise ValueError("actual and predicted must be non-empty and of the same length")
    return y, f


def mae(actual, predicted) -> float:
    """Mean absolute error."""
    y, f = _pair(actual, predicted)
    return float(np.mean(np.abs(y - f)))


def cv_rmse(actual, predicted, p: int = 1) -> float:
    """ASHRAE Guideline 14 CV(RMSE) in %, with n − p degrees of freedom."""
    y, f = _pair(actual, predicted)
    dof, mean = y.size - p, float(np.mean(y))
    if dof <= 0 or mean == 0:
        raise ValueError("need more points than parameters and a non-zero mean")
    return float(100 * np.sqrt(np.sum((y - f) ** 2) / dof) / mean)


def nmbe(actual, predicted, p: int = 1) -> float:
    """ASHRAE Guideline 14 NMBE in % (measured − predicted), with n − p degrees of freedom."""
    y, f = _pair(actual, predicted)
    dof, mean = y.size - p, float(np.mean(y))
    if dof <= 0 or mean == 0:
        raise ValueError("need more points than parameters and a non-zero mean")
    return float(100 * np.sum(y - f) / (dof * mean))


def mase_scale(training, m: int) -> float:
    """In-sample MAE of the seasonal naive forecast of period m (Hyndman & Koehler 2006)."""
    y = np.asarray(training, dtype=float)
    if y.size <= m:
        raise ValueError(f"need more than {m} training points")
    return float(np.mean(np.abs(y[m:] - y[:-m])))


def mase(actual, predicted, training, m: int) -> float:
    """Mean absolute scaled error against the in-sample seasonal naive error of `training`."""
    y, f = _pair(actual, predicted)
    scale = mase_scale(training, m)
    if scale == 0:
        raise ValueError("training series is exactly periodic: MASE is undefined")
    return float(np.mean(np.abs(y - f)) / scale)


def accuracy(actual, predicted, p: int = 1) -> dict:
    """MAE, CV(RMSE) and NMBE of one set of forecasts, rounded for an API answer."""
    return {"mae": round(mae(actual, predicted), 4),
            "cv_rmse": round(cv_rmse(actual, predicted, p), 3),
            "nmbe": round(nmbe(actual, predicted, p), 3)}


def mape(actual, predicted) -> float | None:
    """Mean absolute percentage error in %; None when an actual is zero (undefined)."""
    y, f = _pair(actual, predicted)
    if np.any(y == 0):
        return None
    return float(100 * np.mean(np.abs((y - f) / y)))


def _or_none(fn, *args):
    """fn(*args), or None where the metric is undefined for these values."""
    try:
        return fn(*args)
    except ValueError:
        return None


def evaluate(actual, predicted, p: int = 1, m: int = 1, training=None) -> dict:
    """Every accuracy measure of one set of forecasts; an undefined one is None.

    MASE is scaled by the in-sample seasonal naive error of `training`, or of `actual` itself
    when no training series is given (Hyndman & Koehler 2006). Raises ValueError when the series
    are empty or of different lengths.
    """
    y, f = _pair(actual, predicted)
    return {"n": int(y.size), "mae": mae(y, f),
            "rmse": float(np.sqrt(np.mean((y - f) ** 2))),
            "mape_pct": mape(y, f),
            "nmbe_pct": _or_none(nmbe, y, f, p), "cv_rmse_pct": _or_none(cv_rmse, y, f, p),
            "mase": _or_none(mase, y, f, y if training is None else training, m)}
