"""Daily and weekly profiles, weather and the correlations the readings must show."""

from datetime import UTC, datetime

import pytest

from smartcity.simulator import signals

MONDAY = datetime(2026, 3, 2, tzinfo=UTC).timestamp()  # a Monday, 01:00 local time


def at(day: int, hour: float) -> float:
    """Epoch seconds of a local hour on a day counted from MONDAY."""
    return MONDAY + day * 86_400 + (hour - signals.UTC_OFFSET_H) * 3600


def test_clock_reads_local_time():
    hour, weekday, _ = signals.clock(at(2, 8.5))
    assert hour == pytest.approx(8.5) and weekday == 2


def test_traffic_has_two_rush_hours_on_workdays_and_a_quieter_weekend():
    profile = signals.traffic_profile
    assert profile(8.0, 1) > 5 * profile(3.0, 1)
    assert profile(17.5, 1) > 2 * profile(11.0, 1) * 0.9
    assert profile(17.5, 1) > profile(22.0, 1)
    assert profile(8.0, 6) < 0.5 * profile(8.0, 1)  # Sunday morning
    assert max(profile(h / 4, 5) for h in range(96)) < max(profile(h / 4, 1) for h in range(96))


def test_energy_peaks_in_the_evening():
    hours = [h / 4 for h in range(96)]
    peak = max(hours, key=lambda h: signals.energy_profile(h, 2))
    assert 18.5 <= peak <= 21
    assert signals.energy_profile(4.0, 2) < 0.5 * signals.energy_profile(peak, 2)


def test_water_demand_has_its_minimum_at_night_and_a_mean_of_one():
    hours = [h / 12 for h in range(288)]
    lowest = min(hours, key=lambda h: signals.water_profile(h, 2))
    assert 1 <= lowest <= 5
    assert sum(signals.water_profile(h, 2) for h in hours) / len(hours) == pytest.approx(1, 0.01)
    assert signals.water_profile(7.3, 2) > 4 * signals.water_profile(lowest, 2)


def test_sun_and_solar_output_follow_the_day():
    night, noon = signals.weather(at(2, 2.0), 42), signals.weather(at(2, 12.5), 42)
    assert night.irradiance == 0 and night.sun_elevation < 0
    assert noon.irradiance > 50 and noon.sun_elevation > 30
    assert signals.solar_kw(100, night) == 0 < signals.solar_kw(100, noon) <= 100


def test_weather_is_plausible_over_a_year():
    for day in range(0, 365, 5):
        w = signals.weather(at(day, 14.0), 42)
        assert -15 < w.temperature < 40 and 20 <= w.humidity <= 100
        assert 960 < w.pressure < 1060 and 0 < w.wind_speed < 20 and 0 <= w.cloud <= 1


def test_pollution_rises_with_traffic_and_stagnant_air():
    w = signals.weather(at(2, 8.0), 42)
    quiet = signals.air_quality(0.1, w, traffic_station=True)
    busy = signals.air_quality(1.0, w, traffic_station=True)
    assert busy["no2"] > 2 * quiet["no2"] and busy["pm25"] > quiet["pm25"]
    calm = signals.Weather(**{**w.__dict__, "wind_speed": 0.5})
    assert signals.air_quality(1.0, calm, True)["no2"] > busy["no2"]


def test_congested_roads_slow_down_and_fill_the_detector():
    free = signals.traffic(1600, 2, 50, "arterial", 0.2)
    peak = signals.traffic(1600, 2, 50, "arterial", 1.0)
    starved = signals.traffic(1600, 2, 50, "arterial", 1.0, capacity_factor=0.4)
    assert peak[0] > free[0] and peak[1] < free[1] and peak[2] > free[2]
    assert starved[0] <= 1600 * 0.4 and starved[1] < peak[1] / 2


def test_dimmed_streetlights_draw_less_power():
    assert signals.streetlight_w(150, True, 30) < 0.5 * signals.streetlight_w(150, True, 100)
    assert signals.streetlight_w(150, False, 100) == 0
