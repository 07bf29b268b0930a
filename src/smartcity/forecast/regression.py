"""Time-of-week + temperature regression (the shape of CalTRACK's hourly method).

y_t = Σ_w β_w [tow_t = w] + β_h max(0, T_heat − temp_t) + β_c max(0, temp_t − T_cool) + ε_t

One indicator per hour of the week seen in training carries the weekly profile; two hinge terms
carry heating below and cooling above the balance points. Least squares (numpy lstsq); the
interval of a new point x₀ is ŷ ± z σ √(1 + x₀ᵀ (XᵀX)⁺ x₀), σ² = SSE / (n − p).
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


def _design(tow: np.ndarray, temp: np.ndarray | None, columns: np.ndarray,
            heat_c: float, cool_c: float) -> np.ndarray:
    x = (tow[:, None] == columns[None, :]).astype(float)
    if temp is None:
        return x
    return np.column_stack([x, np.maximum(0.0, heat_c - temp), np.maximum(0.0, temp - cool_c)])


def tow_temperature(y, tow, future_tow, temperature=None, future_temperature=None,
                    level: float = 0.95, heat_c: float = 15.0, cool_c: float = 22.0) -> Forecast:
    """Fit on (y, tow[, temperature]) and forecast at future_tow[, future_temperature]."""
    y = np.asarray(y, dtype=float)
    tow, future_tow = np.asarray(tow), np.asarray(future_tow)
    if y.size != tow.size or y.size == 0:
        raise ValueError("y and tow must be non-empty and of the same length")
    if (temperature is None) != (future_temperature is None):
        raise ValueError("give temperatures for both the history and the horizon, or neither")
    temp = None if temperature is None else np.asarray(temperature, dtype=float)
    future_temp = None if future_temperature is None else np.asarray(future_temperature, float)
    columns = np.unique(tow)
    x = _design(tow, temp, columns, heat_c, cool_c)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    p = int(np.linalg.matrix_rank(x))
    if y.size <= p:
        raise ValueError("need more points than parameters")
    sigma = float(np.sqrt(np.sum((y - x @ coef) ** 2) / (y.size - p)))
    x0 = _design(future_tow, future_temp, columns, heat_c, cool_c)
    unseen = ~np.isin(future_tow, columns)
    if unseen.any():  # an hour of the week never seen: its nearest seen hour stands in
        nearest = columns[np.argmin(np.abs(future_tow[unseen, None] - columns[None, :]), axis=1)]
        x0[np.where(unseen)[0], np.searchsorted(columns, nearest)] = 1.0
    mean = x0 @ coef
    leverage = np.einsum("ij,jk,ik->i", x0, np.linalg.pinv(x.T @ x), x0)
    half = z_value(level) * sigma * np.sqrt(1 + leverage)
    return Forecast("tow_temperature", mean, mean - half, mean + half, level,
                    {"sigma": sigma, "n_params": p, "heat_c": heat_c, "cool_c": cool_c,
                     "temperature": temp is not None})
