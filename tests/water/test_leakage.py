"""The leakage arithmetic against hand-computed cases."""

import pytest

from smartcity.water import leakage
from smartcity.water.leakage import Undefined


def test_night_flow_analysis_hand_computed():
    # 10 000 residents * 6 % active * 10 l/h = 6 m3/h; 20 shops * 50 l/h = 1 m3/h
    result = leakage.night_flow_analysis(50, 10_000, non_household_users=20,
                                         non_household_use_lph=50)
    assert result.legitimate_night_flow_m3h == pytest.approx(7.0)
    assert result.net_night_flow_m3h == pytest.approx(43.0)
    assert result.leakage_m3_per_day == pytest.approx(43.0 * 24)


def test_night_flow_analysis_with_given_factor_and_fractions():
    # 4 000 * 0.05 * 12 l/h = 2.4 m3/h; net 17.6; HDF 20 -> 352 m3/day
    result = leakage.night_flow_analysis(20, 4000, active_fraction=0.05,
                                         per_person_night_use_lph=12, hour_day_factor=20)
    assert result.legitimate_night_flow_m3h == pytest.approx(2.4)
    assert result.net_night_flow_m3h == pytest.approx(17.6)
    assert result.leakage_m3_per_day == pytest.approx(352.0)


def test_night_use_above_the_flow_is_reported_negative():
    assert leakage.night_flow_analysis(1, 10_000).net_night_flow_m3h == pytest.approx(-5.0)


def test_hour_day_factor_flat_profile_is_24():
    assert leakage.hour_day_factor([40.0] * 24) == pytest.approx(24.0)


def test_hour_day_factor_favad_hand_computed():
    # 50 m from 22:00 to 09:00 (12 h), 40 m in the day (12 h); reference 03:00 at 50 m
    profile = [50.0] * 10 + [40.0] * 12 + [50.0] * 2
    assert leakage.hour_day_factor(profile, night_hour=3) == pytest.approx(12 + 12 * 0.8)
    assert leakage.hour_day_factor(profile, night_hour=3, n1=1.5) == pytest.approx(
        12 + 12 * 0.8 ** 1.5)
    assert leakage.hour_day_factor(profile, night_hour=3, n1=0.5) == pytest.approx(
        12 + 12 * 0.8 ** 0.5)
    # the default reference is the highest pressure of 00:00-05:00
    assert leakage.hour_day_factor(profile) == pytest.approx(21.6)
    # a reference at a low-pressure hour gives more than 24
    assert leakage.hour_day_factor(profile, night_hour=12) == pytest.approx(12 + 12 * 1.25)


@pytest.mark.parametrize("profile, kwargs, field", [
    ([40.0] * 23, {}, "pressures"),
    ([40.0] * 23 + [-1.0], {}, "pressures"),
    ([0.0] * 24, {}, "pressures"),
    ([40.0] * 24, {"n1": 0}, "n1"),
    ([40.0] * 24, {"night_hour": 24}, "night_hour"),
])
def test_hour_day_factor_undefined(profile, kwargs, field):
    with pytest.raises(Undefined) as caught:
        leakage.hour_day_factor(profile, **kwargs)
    assert caught.value.field == field


def test_uarl_and_ili_hand_computed():
    # (18 * 100 + 0.8 * 5000 + 25 * 0) * 50 = 290 000 l/day = 290 m3/day; 1450 / 290 = 5
    assert leakage.uarl_litres_per_day(100, 5000, 50) == pytest.approx(290_000)
    result = leakage.ili(1450, 100, 5000, 50)
    assert result["uarl_m3_per_day"] == pytest.approx(290.0)
    assert result["ili"] == pytest.approx(5.0)
    assert result["within_iwa_limits"] and result["limits"] == []
    # with 10 km of private pipe: (1800 + 4000 + 250) * 50 = 302 500 l/day
    assert leakage.ili(605, 100, 5000, 50, private_pipe_km=10)["ili"] == pytest.approx(2.0)


def test_ili_outside_the_iwa_limits_is_flagged():
    # 12 km, 200 connections (16.7 / km), 20 m: (216 + 160) * 20 = 7 520 l/day
    result = leakage.ili(15.04, 12, 200, 20)
    assert result["uarl_m3_per_day"] == pytest.approx(7.52)
    assert result["ili"] == pytest.approx(2.0)
    assert not result["within_iwa_limits"]
    assert len(result["limits"]) == 2


@pytest.mark.parametrize("args, field", [
    ((100, 10, 500, 0), "avg_pressure_m"),
    ((100, 0, 500, 40), "mains_km"),
    ((100, 10, 0, 40), "service_connections"),
    ((-1, 10, 500, 40), "carl_m3_per_day"),
])
def test_ili_undefined(args, field):
    with pytest.raises(Undefined) as caught:
        leakage.ili(*args)
    assert caught.value.field == field
