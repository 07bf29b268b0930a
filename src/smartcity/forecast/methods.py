"""Seasonal naive and additive Holt-Winters forecasts with prediction intervals (pure numpy).

Both follow Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed., FPP3):

- seasonal naive (5.2): ŷ_{T+h} = y_{T+h−m(k+1)}, k = ⌊(h−1)/m⌋; its h-step standard deviation
  is σ √(k+1) (5.5, Table 5.2), σ the standard deviation of the in-sample seasonal differences;
- additive Holt-Winters (8.3), component form with smoothing parameters α, β*, γ:
      ℓ_t = α (y_t − s_{t−m}) + (1 − α)(ℓ_{t−1} + b_{t−1})
      b_t = β* (ℓ_t − ℓ_{t−1}) + (1 − β*) b_{t−1}
      s_t = γ (y_t − ℓ_{t−1} − b_{t−1}) + (1 − γ) s_{t−m}
      ŷ_{T+h} = ℓ_T + h b_T + s_{T+h−m(k+1)}
  fitted by least squares of the one-step errors over a grid of (α, β*, γ), all combinations
  run at once as numpy vectors. Its intervals are those of the equivalent ETS(A,A,A) model
  (FPP3 Table 8.8, with β = αβ*):
      σ_h² = σ² [1 + (h−1){α² + αβh + β²h(2h−1)/6} + γk{2α + γ + βm(k+1)}]
"""

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
BETAS = (0.0, 0.01, 0.05, 0.15)  # β*: the trend moves slowly or not at all
GAMMAS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


@dataclass(frozen=True)
class Forecast:
    """Point forecasts and a central prediction interval of probability `level`."""

    method: str
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    params: dict

    @property
    def n_params(self) -> int:
        return int(self.params.get("n_params", 0))


def z_value(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError("level must lie between 0 and 1")
    return NormalDist().inv_cdf(0.5 + level / 2)


def fill_gaps(values) -> np.ndarray:
    """Interpolate NaNs linearly (ends take the nearest value); all-NaN stays NaN."""
    y = np.asarray(values, dtype=float).copy()
    bad = ~np.isfinite(y)
    if bad.any() and not bad.all():
        idx = np.arange(y.size)
        y[bad] = np.interp(idx[bad], idx[~bad], y[~bad])
    return y


def _check(y, m: int, horizon: int, seasons: int) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if m < 1 or horizon < 1:
        raise ValueError("period and horizon must be positive")
    if y.size < seasons * m:
        raise ValueError(f"need at least {seasons} seasons ({seasons * m} points)")
    if not np.all(np.isfinite(y)):
        raise ValueError("series has gaps: fill them first")
    return y


def seasonal_naive(y, m: int, horizon: int, level: float = 0.95) -> Forecast:
    """Repeat the last season; σ from the in-sample seasonal differences."""
    y = _check(y, m, horizon, 2)
    h = np.arange(1, horizon + 1)
    k = (h - 1) // m
    mean = y[y.size - m + (h - 1) % m]
    diffs = y[m:] - y[:-m]
    sigma = float(np.sqrt(np.mean(diffs ** 2)))
    half = z_value(level) * sigma * np.sqrt(k + 1)
    return Forecast("seasonal_naive", mean, mean - half, mean + half, level,
                    {"m": m, "sigma": sigma, "n_params": 0})


def _initial_states(y: np.ndarray, m: int) -> tuple[float, float, np.ndarray]:
    first, second = y[:m].mean(), y[m:2 * m].mean()
    return first, (second - first) / m, y[:m] - first


def _smooth(y: np.ndarray, m: int, alpha, beta, gamma):
    """Run Holt-Winters for every parameter combination at once; SSE and final states."""
    level0, trend0, season0 = _initial_states(y, m)
    c = alpha.size
    level, trend = np.full(c, level0), np.full(c, trend0)
    season = np.tile(season0, (c, 1))
    sse = np.zeros(c)
    for t in range(m, y.size):
        s = season[:, t % m]
        error = y[t] - (level + trend + s)
        sse += error * error
        new_level = alpha * (y[t] - s) + (1 - alpha) * (level + trend)
        season[:, t % m] = gamma * (y[t] - level - trend) + (1 - gamma) * s
        trend = beta * (new_level - level) + (1 - beta) * trend
        level = new_level
    return sse, level, trend, season


def holt_winters(y, m: int, horizon: int, level: float = 0.95, alpha: float | None = None,
                 beta: float | None = None, gamma: float | None = None) -> Forecast:
    """Additive Holt-Winters; parameters not given are chosen by least squares on a grid."""
    y = _check(y, m, horizon, 2)
    grid = np.array([(a, b, g) for a in ((alpha,) if alpha is not None else ALPHAS)
                     for b in ((beta,) if beta is not None else BETAS)
                     for g in ((gamma,) if gamma is not None else GAMMAS)], dtype=float)
    sse, levels, trends, seasons = _smooth(y, m, grid[:, 0], grid[:, 1], grid[:, 2])
    best = int(np.argmin(sse))
    a, b_star, g = grid[best]
    n_errors = y.size - m
    sigma = float(np.sqrt(sse[best] / n_errors))
    h = np.arange(1, horizon + 1)
    k = (h - 1) // m
    # the last m seasonal states, indexed by time modulo m
    mean = levels[best] + h * trends[best] + seasons[best][(y.size + h - 1) % m]
    b = a * b_star
    var = sigma ** 2 * (1 + (h - 1) * (a * a + a * b * h + b * b * h * (2 * h - 1) / 6)
                        + g * k * (2 * a + g + b * m * (k + 1)))
    half = z_value(level) * np.sqrt(var)
    return Forecast("holt_winters", mean, mean - half, mean + half, level,
                    {"m": m, "alpha": float(a), "beta": float(b_star), "gamma": float(g),
                     "sigma": sigma, "n_params": 3 + 2 + m})
