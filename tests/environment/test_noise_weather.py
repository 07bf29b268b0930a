"""Leq, Lden (Directive 2002/49/EC) and the NWS heat index against hand-computed cases."""

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from smartcity.environment import noise, weather

ROME = ZoneInfo("Europe/Rome")
UTC = ZoneInfo("UTC")


def ms(text: str, tz=ROME) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=tz).timestamp() * 1000)


def test_leq_is_the_energy_mean():
    assert noise.leq([60, 60, 60]) == pytest.approx(60)
    # 10·lg((10^6 + 10^7) / 2) = 10·lg(5.5·10^6) = 67.404
    assert noise.leq([60, 70]) == pytest.approx(67.4036, abs=1e-4)
    # two sources of equal level: +3.01 dB over one, but a mean of 60 and 0 energy is -3.01 dB
    assert noise.leq([63.0103, 0.0]) == pytest.approx(60.0, abs=1e-3)
    assert noise.leq([]) is None


def test_lden_of_levels_that_the_penalties_equalise_is_that_level():
    # Ld 60, Le 55 (+5), Ln 50 (+10): every hour weighs 10^6 -> Lden 60 exactly
    assert noise.lden(60, 55, 50) == pytest.approx(60.0)
    assert noise.lden(65, 60, 55) == pytest.approx(65.0)


def test_lden_hand_computed():
    # Ld 70, Le 60, Ln 50: (12·10^7 + 4·10^6.5 + 8·10^6) / 24 = 5.86038·10^6 -> 67.679 dB
    expected = 10 * math.log10((12e7 + 4 * 10 ** 6.5 + 8e6) / 24)
    assert expected == pytest.approx(67.679, abs=1e-3)
    assert noise.lden(70, 60, 50) == pytest.approx(expected)
    # the penalties weigh a steady 60 dB: (12·10^6 + 4·10^6.5 + 8·10^7) / 24 = 4.36038·10^6
    # -> 66.395 dB
    assert noise.lden(60, 60, 60) == pytest.approx(66.3952, abs=1e-4)


@pytest.mark.parametrize(("hour", "period"), [(0, "night"), (6, "night"), (7, "day"),
                                              (18, "day"), (19, "evening"), (22, "evening"),
                                              (23, "night")])
def test_periods_follow_the_end(hour, period):
    assert noise.period_of(hour) == period


def test_periods_use_the_city_local_time():
    # 06:30 UTC is 07:30 in Rome in winter: day there, night in UTC
    sample = [(ms("2024-01-15T06:30", UTC), 60.0)]
    assert noise.day_indicators(sample, ROME)["samples"]["day"] == 1
    assert noise.day_indicators(sample, UTC)["samples"]["night"] == 1


def test_a_noise_day_runs_from_07_00_to_07_00_local_time():
    start, end = noise.noise_day_bounds("2024-01-15", ROME)
    assert start == ms("2024-01-15T07:00") and end == ms("2024-01-16T07:00")
    assert end - start == 24 * 3_600_000
    # the spring-forward night is one hour shorter
    start, end = noise.noise_day_bounds("2024-03-30", ROME)
    assert end - start == 23 * 3_600_000


def test_day_indicators_and_exceedance_of_residential_limits():
    limits = noise.DEFAULT_LIMITS["residential"]  # 55 / 50 / 45
    samples = ([(ms("2024-01-15T08:00") + i * 60_000, 58.0) for i in range(60)]
               + [(ms("2024-01-15T20:00") + i * 60_000, 49.0) for i in range(60)]
               + [(ms("2024-01-16T02:00") + i * 60_000, 46.0) for i in range(30)]
               + [(ms("2024-01-16T02:30") + i * 60_000, 40.0) for i in range(30)])
    day = noise.day_indicators(samples, ROME, limits)
    assert day["ld"] == pytest.approx(58.0) and day["le"] == pytest.approx(49.0)
    # night: half the time 46 dB, half 40 dB: 10·lg((39810.7 + 10000) / 2) = 43.963
    assert day["ln"] == pytest.approx(43.9629, abs=1e-4)
    assert day["lden"] == pytest.approx(noise.lden(58.0, 49.0, day["ln"]))
    assert day["exceeded"] == {"day": True, "evening": False, "night": False}


def test_lden_needs_all_three_periods():
    samples = [(ms("2024-01-15T08:00"), 58.0)]
    assert noise.day_indicators(samples, ROME)["lden"] is None


def test_hourly_leq_groups_samples_by_local_hour():
    samples = [(ms("2024-01-15T22:10"), 60.0), (ms("2024-01-15T22:50"), 70.0),
               (ms("2024-01-15T23:05"), 50.0)]
    hours = noise.hourly_leq(samples, ROME)
    assert list(hours) == [ms("2024-01-15T22:00"), ms("2024-01-15T23:00")]
    first = hours[ms("2024-01-15T22:00")]
    assert first["leq"] == pytest.approx(67.4036, abs=1e-4) and first["period"] == "evening"
    assert hours[ms("2024-01-15T23:00")]["period"] == "night"
    assert noise.exceedance(first["leq"], "evening", noise.DEFAULT_LIMITS["mixed"]) == \
        pytest.approx(12.4036, abs=1e-4)


def test_limits_per_district_type_and_the_strictest_for_unknown_types():
    table = noise.DEFAULT_LIMITS
    assert noise.limits_for("industrial", table)["night"] == 60
    assert noise.limits_for("harbour", table) == table["residential"]


# -- heat index ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("t_f", "rh", "chart"), [
    (90, 70, 106), (100, 40, 109), (96, 65, 121), (84, 50, 85), (104, 45, 124), (80, 40, 80),
])
def test_heat_index_matches_the_nws_chart(t_f, rh, chart):
    assert round(weather.heat_index_f(t_f, rh)) == chart


def test_below_80_f_the_simple_formula_answers():
    # 0.5·(70 + 61 + (70-68)·1.2 + 50·0.094) = 69.05
    assert weather.heat_index_f(70, 50) == pytest.approx(69.05)


def test_the_rothfusz_regression_hand_computed():
    # 90 °F, 70 %: the simple formula gives 0.5·(90+61+26.4+6.58) = 91.99, mean with T >= 80
    assert _rothfusz(90, 70) == pytest.approx(105.92, abs=0.01)
    assert weather.heat_index_f(90, 70) == pytest.approx(_rothfusz(90, 70))


def _rothfusz(t, rh):
    return (-42.379 + 2.04901523 * t + 10.14333127 * rh - 0.22475541 * t * rh
            - 6.83783e-3 * t * t - 5.481717e-2 * rh * rh + 1.22874e-3 * t * t * rh
            + 8.5282e-4 * t * rh * rh - 1.99e-6 * t * t * rh * rh)


def test_dry_heat_is_adjusted_down_and_humid_warmth_up():
    # RH 10 % at 96 °F: minus (13-10)/4 · sqrt((17-|96-95|)/17) = 0.75 · 0.97014 = 0.72761
    assert weather.heat_index_f(96, 10) == pytest.approx(_rothfusz(96, 10) - 0.72761, abs=1e-5)
    assert weather.heat_index_f(96, 13) == pytest.approx(_rothfusz(96, 13))  # no adjustment
    # RH 90 % at 82 °F: plus (90-85)/10 · (87-82)/5 = 0.5
    assert weather.heat_index_f(82, 90) == pytest.approx(_rothfusz(82, 90) + 0.5)
    assert weather.heat_index_f(88, 90) == pytest.approx(_rothfusz(88, 90))  # above 87 °F


def test_heat_index_in_celsius_with_its_category():
    result = weather.heat_index(32.2222, 70)  # 90 °F
    assert result["heat_index_f"] == pytest.approx(105.9, abs=0.1)
    assert result["heat_index_c"] == pytest.approx(41.1, abs=0.1)
    assert result["category"] == "Danger" and result["applicable"]
    cool = weather.heat_index(20, 50)  # 68 °F: the simple formula, but no heat to speak of
    assert cool["category"] is None and not cool["applicable"]
    assert cool["heat_index_f"] == pytest.approx(0.5 * (68 + 61 + 0 + 4.7), abs=0.05)
    with pytest.raises(ValueError):
        weather.heat_index(30, 120)
