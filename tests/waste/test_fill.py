"""Fill rate and time to full on synthetic saw-tooth histories with emptying events."""

import random

import pytest

from smartcity.waste.fill import MS_PER_H, current_segment, estimate

T0 = 1_767_225_600_000  # 2026-01-01


def history(rate: float, hours: float, start: float = 10.0, empty_at: tuple = (),
            noise: float = 0.4, step_min: int = 10, seed: int = 1):
    """Readings every step_min minutes filling at `rate` %/h, emptied at the given hours."""
    rng, ts, levels, level = random.Random(seed), [], [], start
    for k in range(int(hours * 60 / step_min) + 1):
        h = k * step_min / 60
        if any(abs(h - e) < 1e-9 for e in empty_at):
            level = 0.0
        ts.append(T0 + int(h * MS_PER_H))
        levels.append(min(100.0, max(0.0, level + rng.gauss(0, noise))))
        level = min(100.0, level + rate * step_min / 60)
    return ts, levels


def test_rate_after_emptying_ignores_the_previous_cycles():
    ts, levels = history(rate=2.0, hours=60, empty_at=(20, 45))
    fit = estimate(ts, levels)
    assert fit.segment_start == T0 + 45 * MS_PER_H
    assert fit.rate_pct_h == pytest.approx(2.0, abs=0.05)
    assert fit.rate_low <= fit.rate_pct_h <= fit.rate_high
    assert fit.rate_low - 0.02 <= 2.0 <= fit.rate_high + 0.02 and fit.rate_high - fit.rate_low < 0.1
    # 15 h after emptying the bin is near 30 %: about 35 h left
    assert fit.hours_to_full == pytest.approx((100 - fit.level) / fit.rate_pct_h)
    assert fit.hours_low <= fit.hours_to_full <= fit.hours_high
    assert 30 < fit.hours_to_full < 40


def test_least_squares_over_the_whole_history_would_be_wrong():
    """The saw tooth flattens a naive fit: the segmenting is what makes the rate right."""
    import numpy as np

    ts, levels = history(rate=3.0, hours=60, empty_at=(15, 30, 45))
    naive = np.polyfit((np.asarray(ts) - T0) / MS_PER_H, levels, 1)[0]
    assert naive < 1.0
    assert estimate(ts, levels).rate_pct_h == pytest.approx(3.0, abs=0.1)


def test_outliers_do_not_tilt_the_rate():
    ts, levels = history(rate=1.5, hours=24, noise=0.2)
    for i in (20, 60, 100):  # a bag on the sensor reads far too high for one reading
        levels[i] = min(100.0, levels[i] + 40)
    fit = estimate(ts, levels)
    assert fit.rate_pct_h == pytest.approx(1.5, abs=0.05)


def test_outlier_spike_that_falls_back_is_taken_for_an_emptying_only_if_the_fall_is_real():
    ts = [T0 + k * MS_PER_H for k in range(6)]
    assert current_segment(ts, [10, 12, 14, 80, 16, 18]) == 4  # a drop of 64 points
    assert current_segment(ts, [10, 12, 14, 16, 18, 20]) == 0
    assert current_segment(ts, [90, 95, 5, 7, 9, 11]) == 2


def test_full_bin_has_no_time_left():
    ts, levels = history(rate=5.0, hours=30, start=0.0, noise=0.0)
    fit = estimate(ts, levels)
    assert fit.level == 100.0 and fit.hours_to_full == 0.0


def test_too_little_history_gives_no_rate():
    ts, levels = history(rate=2.0, hours=10, empty_at=(10,))
    fit = estimate(ts, levels)
    assert fit.points == 1 and fit.rate_pct_h is None and fit.hours_to_full is None
    assert fit.level == pytest.approx(0.0, abs=2)
    assert estimate([], []).level is None


def test_a_bin_that_does_not_fill_never_overflows():
    ts, levels = history(rate=0.0, hours=24, start=40.0, noise=0.0)
    fit = estimate(ts, levels)
    assert fit.rate_pct_h == 0.0 and fit.hours_to_full is None and fit.hours_high is None
    assert fit.level_at(48) == 40.0


def test_level_at_predicts_and_caps():
    ts, levels = history(rate=2.0, hours=10, start=50.0, noise=0.0)
    fit = estimate(ts, levels)
    assert fit.level_at(5) == pytest.approx(80.0)
    assert fit.level_at(100) == 100.0
