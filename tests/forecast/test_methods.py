import numpy as np
import pytest

from smartcity.forecast import (
    backtest,
    best_forecast,
    fill_gaps,
    holt_winters,
    seasonal_naive,
    time_of_week,
    tow_temperature,
)
from smartcity.forecast.backtest import forecasters
from smartcity.forecast.methods import z_value

Z95 = 1.959963984540054


def seasonal_series(days=21, noise=1.0, seed=7, trend=0.0):
    rng = np.random.default_rng(seed)
    t = np.arange(days * 24)
    return (100 + trend * t + 30 * np.sin(2 * np.pi * t / 24)
            + 10 * np.cos(4 * np.pi * t / 24) + rng.normal(0, noise * 5, t.size))


def test_seasonal_naive_repeats_the_last_season_with_widening_intervals():
    f = seasonal_naive([1, 2, 3, 1, 2, 4], m=3, horizon=4)
    assert f.mean.tolist() == [1, 2, 4, 1]
    sigma = np.sqrt(1 / 3)  # seasonal differences 0, 0, 1
    half = (f.upper - f.mean)
    assert half[:3] == pytest.approx([Z95 * sigma] * 3)
    assert half[3] == pytest.approx(Z95 * sigma * np.sqrt(2))  # k = 1 in the second season


def test_holt_winters_forecasts_a_clean_seasonal_series_exactly():
    y = seasonal_series(days=6, noise=0)
    f = holt_winters(y, m=24, horizon=48)
    truth = seasonal_series(days=8, noise=0)[-48:]
    assert np.max(np.abs(f.mean - truth)) < 1e-6


def test_holt_winters_interval_is_sigma_at_one_step_and_widens():
    f = holt_winters(seasonal_series(), m=24, horizon=48, alpha=0.2, beta=0.0, gamma=0.1)
    half = f.upper - f.mean
    assert half[0] == pytest.approx(Z95 * f.params["sigma"])
    assert np.all(np.diff(half) >= 0)
    # ETS(A,A,A) with beta = 0: sigma^2 [1 + (h-1) a^2 + g k (2a + g)] at h = 25 (k = 1)
    expected = f.params["sigma"] * np.sqrt(1 + 24 * 0.04 + 0.1 * (0.4 + 0.1))
    assert half[24] == pytest.approx(Z95 * expected)


def test_holt_winters_beats_seasonal_naive_on_a_noisy_seasonal_series():
    y = seasonal_series(days=28, noise=1.0)
    candidates = forecasters(y, m=24)
    hw = backtest(y, candidates["holt_winters"], test_points=7 * 24, horizon=24, m=24)
    naive = backtest(y, candidates["seasonal_naive"], test_points=7 * 24, horizon=24, m=24)
    assert hw["mae"] < 0.8 * naive["mae"]
    assert hw["mase"] < 1 < naive["mase"] * 1.2
    assert hw["cv_rmse"] < naive["cv_rmse"]
    assert 0.85 <= hw["coverage"] <= 1.0
    assert hw["origins"] == 7 and hw["points"] == 168


def test_time_of_week_counts_hours_from_monday_local():
    monday = 4 * 86_400_000  # 1970-01-05 00:00 UTC
    assert time_of_week([monday, monday + 3_600_000]).tolist() == [0, 1]
    friday_1230z = 1_796_387_400_000  # 2026-12-04 12:30 UTC, a Friday: 13:30 at UTC+1
    assert time_of_week([friday_1230z], utc_offset_h=1).tolist() == [4 * 24 + 13]


def test_regression_recovers_profile_and_heating_slope():
    hours = np.arange(3 * 168)
    tow = hours % 168
    profile = 50 + 20 * np.sin(2 * np.pi * tow / 168) + 10 * (tow % 24 > 8)
    temp = 10 + 8 * np.sin(2 * np.pi * hours / 97)
    y = profile + 3.0 * np.maximum(0, 15 - temp)
    future_tow, future_temp = np.arange(24) + 30, np.full(24, 5.0)
    f = tow_temperature(y, tow, future_tow, temp, future_temp)
    expected = 50 + 20 * np.sin(2 * np.pi * future_tow / 168) + 10 * (future_tow % 24 > 8) + 30
    assert f.mean == pytest.approx(expected, abs=1e-6)
    with pytest.raises(ValueError):
        tow_temperature(y, tow, future_tow, temp, None)


def test_best_forecast_reports_every_backtest_and_picks_the_lowest_cv_rmse():
    y = seasonal_series(days=21)
    tow = np.arange(y.size + 24) % 168
    result = best_forecast(y, m=24, horizon=24, test_points=72, tow=tow)
    assert set(result["backtests"]) == {"seasonal_naive", "holt_winters", "tow_temperature"}
    best = min(result["backtests"].values(), key=lambda s: s["cv_rmse"])
    assert result["backtests"][result["method"]] == best
    assert result["forecast"].mean.size == 24


def test_fill_gaps_interpolates_and_methods_refuse_gaps():
    assert fill_gaps([1, np.nan, 3, np.nan]).tolist() == [1, 2, 3, 3]
    with pytest.raises(ValueError):
        seasonal_naive([1, np.nan, 3, 1, 2, 3], m=3, horizon=1)
    with pytest.raises(ValueError):
        holt_winters([1, 2, 3], m=3, horizon=1)
    with pytest.raises(ValueError):
        z_value(1.0)


def test_regression_equals_ordinary_least_squares_on_the_full_design():
    rng = np.random.default_rng(3)
    tow = rng.integers(0, 12, 200)
    temp = rng.uniform(0, 30, 200)
    y = 5 * tow + 2 * np.maximum(0, 15 - temp) + rng.normal(0, 1, 200)
    future_tow, future_temp = np.array([0, 5, 11]), np.array([3.0, 18.0, 27.0])
    f = tow_temperature(y, tow, future_tow, temp, future_temp)

    def design(t, c):
        return np.column_stack([(t[:, None] == np.arange(12)).astype(float),
                                np.maximum(0, 15 - c), np.maximum(0, c - 22)])

    x, x0 = design(tow, temp), design(future_tow, future_temp)
    coef = np.linalg.lstsq(x, y, rcond=None)[0]
    sigma = np.sqrt(np.sum((y - x @ coef) ** 2) / (200 - 14))
    leverage = np.einsum("ij,jk,ik->i", x0, np.linalg.inv(x.T @ x), x0)
    assert f.mean == pytest.approx(x0 @ coef)
    assert f.upper - f.mean == pytest.approx(Z95 * sigma * np.sqrt(1 + leverage))
