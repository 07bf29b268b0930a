"""Sudden rise against the DMA's previous nights, on hand-computed cases."""

import pytest

from smartcity.water.burst import sudden_rise

NIGHTS = [10.0, 10.4, 9.8, 10.1, 9.9, 10.2, 10.0, 9.7, 10.3, 10.0, 10.1, 9.9, 10.2, 10.0]


def test_normal_night_is_quiet():
    assert sudden_rise(10.6, NIGHTS) is None
    assert sudden_rise(12.4, NIGHTS) is None  # +2.4 is under 25 % of the 10.0 median


def test_rise_is_flagged_with_its_volume():
    found = sudden_rise(14.0, NIGHTS, hour_day_factor=20)
    assert found["baseline_m3h"] == pytest.approx(10.0)
    assert found["rise_m3h"] == pytest.approx(4.0)
    assert found["rise_pct"] == pytest.approx(40.0)
    assert found["estimated_loss_m3_per_day"] == pytest.approx(80.0)
    assert found["nights"] == 14


def test_a_past_burst_night_does_not_lift_the_baseline():
    assert sudden_rise(14.0, NIGHTS[:-2] + [30.0, 30.0])["baseline_m3h"] == pytest.approx(10.05)


def test_too_few_nights_and_the_absolute_floor():
    assert sudden_rise(50.0, NIGHTS[:6]) is None
    assert sudden_rise(2.9, [2.0] * 14) is None  # +45 % but under 1 m3/h
    assert sudden_rise(3.1, [2.0] * 14)["rise_m3h"] == pytest.approx(1.1)
