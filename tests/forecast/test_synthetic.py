"""The forecast methods on synthetic series whose true pattern is known."""

import numpy as np
import pytest

from smartcity.forecast.backtest import backtest, forecasters

M = 24


def seasonal(days: int, trend: float, noise: float, seed: int) -> np.ndarray:
    t = np.arange(days * M)
    rng = np.random.default_rng(seed)
    return 50 + trend * t + 10 * np.sin(2 * np.pi * t / M) + rng.normal(0, noise, t.size)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_holt_winters_beats_seasonal_naive_on_a_seasonal_series_with_trend(seed):
    y = seasonal(28, trend=0.05, noise=1.0, seed=seed)
    candidates = forecasters(y, M)
    naive = backtest(y, candidates["seasonal_naive"], 7 * M, 24, M)
    hw = backtest(y, candidates["holt_winters"], 7 * M, 24, M)
    # seasonal naive repeats yesterday: it lags the trend by 24 x 0.05 = 1.2 every day
    assert hw["mase"] < naive["mase"] and hw["cv_rmse"] < naive["cv_rmse"]
    assert abs(hw["nmbe"]) < abs(naive["nmbe"])


@pytest.mark.parametrize("method", ["seasonal_naive", "holt_winters"])
def test_80_percent_intervals_cover_about_80_percent_of_a_long_series(method):
    y = seasonal(90, trend=0.0, noise=2.0, seed=4)
    f = forecasters(y, M, level=0.8)[method]
    scores = backtest(y, f, 40 * M, 24, M)  # 40 daily origins, 960 forecast hours
    assert scores["points"] == 960
    assert 0.7 <= scores["coverage"] <= 0.9
