"""Time-of-week + temperature regression (the shape of CalTRACK's hourly method).

y_t = β_w(t) + β_h max(0, T_heat − temp_t) + β_c max(0, temp_t − T_cool) + ε_t

One level per hour of the week seen in training carries the weekly profile; two hinge terms
carry heating below and cooling above the balance points. The indicator columns make this an
analysis of covariance, solved without the 170-column least squares: the hinge slopes come from
the deviations from each hour-of-week's mean (Frisch-Waugh-Lovell), each level is that hour's
mean less the slopes' share. The interval of a new point in group w with hinge values h₀ is

    ŷ ± z σ √(1 + 1/n_w + (h₀ − h̄_w)ᵀ (H̃ᵀH̃)⁺ (h₀ − h̄_w)),   σ² = SSE / (n − p)

(H̃ the within-group deviations of the hinge terms), the leverage of ordinary least squares.
"""

import numpy as np

from smartcity.forecast.methods import Forecast, z_value

HOURS_PER_WEEK = 168
EPOCH_MONDAY_MS = 4 * 86_400_000  # 1970-01-01 was a Thursday; 1970-01-05 a Monday


def time_of_week(ts_ms, utc_offset_h=0.0) -> np.ndarray:
    """Hour of the week (0 = Monday 00:00 local) of each UTC epoch-ms timestamp.

    utc_offset_h: one offset, or one per timestamp (a zone with daylight saving time)."""
    offset = np.rint(np.asarray(utc_offset_h, dtype=float) * 3_600_000).astype(np.int64)
    ts = np.asarray(ts_ms, dtype=np.int64) + offset - EPOCH_MONDAY_MS
    return (ts // 3_600_000) % HOURS_PER_WEEK


def _hinges(temp: np.ndarray, heat_c: float, cool_c: float) -> np.ndarray:
    return np.column_stack([np.maximum(0.0, heat_c - temp), np.maximum(0.0, temp - cool_c)])


def tow_temperature(y, tow, future_tow, temperature=None, future_temperature=None,
                    level: float = 0.95, heat_c: float = 15.0, cool_c: float = 22.0) -> Forecast:
    """Fit on (y, tow[, temperature]) and forecast at future_tow[, future_temperature]."""
    y = np.asarray(y, dtype=float)
    tow, future_tow = np.asarray(tow, dtype=int), np.asarray(future_tow, dtype=int)
    if y.size != tow.size or y.size == 0:
        raise ValueError("y and tow must be non-empty and of the same length")
    if (temperature is None) != (future_temperature is None):
        raise ValueError("give temperatures for both the history and the horizon, or neither")
    groups, index, counts = np.unique(tow, return_inverse=True, return_counts=True)

    def group_mean(values):
        return (np.bincount(index, weights=values, minlength=groups.size) / counts)

    y_mean = group_mean(y)
    if temperature is None:
        h, h0 = np.zeros((y.size, 0)), np.zeros((future_tow.size, 0))
        h_mean = np.zeros((groups.size, 0))
    else:
        h = _hinges(np.asarray(temperature, dtype=float), heat_c, cool_c)
        h0 = _hinges(np.asarray(future_temperature, dtype=float), heat_c, cool_c)
        h_mean = np.column_stack([group_mean(h[:, j]) for j in range(h.shape[1])])
    h_dev, y_dev = h - h_mean[index], y - y_mean[index]
    gram = np.linalg.pinv(h_dev.T @ h_dev) if h.shape[1] else np.zeros((0, 0))
    slopes = gram @ (h_dev.T @ y_dev)
    p = groups.size + (int(np.linalg.matrix_rank(h_dev.T @ h_dev)) if h.shape[1] else 0)
    if y.size <= p:
        raise ValueError("need more points than parameters")
    sigma = float(np.sqrt(np.sum((y_dev - h_dev @ slopes) ** 2) / (y.size - p)))
    levels = y_mean - h_mean @ slopes
    # an hour of the week never seen: the nearest seen hour stands in
    g = np.clip(np.searchsorted(groups, future_tow), 0, groups.size - 1)
    nearer = np.abs(groups[np.maximum(g - 1, 0)] - future_tow) < np.abs(groups[g] - future_tow)
    g = np.where(nearer, np.maximum(g - 1, 0), g)
    mean = levels[g] + h0 @ slopes
    d = h0 - h_mean[g]
    leverage = 1 / counts[g] + np.einsum("ij,jk,ik->i", d, gram, d)
    half = z_value(level) * sigma * np.sqrt(1 + leverage)
    return Forecast("tow_temperature", mean, mean - half, mean + half, level,
                    {"sigma": sigma, "n_params": p, "heat_c": heat_c, "cool_c": cool_c,
                     "temperature": temperature is not None})
