"""Congestion levels, HCM level of service and the city index on hand-built data."""

import pytest

from smartcity.traffic.congestion import (
    city_index,
    city_level,
    congestion,
    level_of_service,
    travel_time_index,
)


def test_travel_time_index_is_actual_over_free_flow_and_never_below_one():
    assert travel_time_index(90, 60) == 1.5
    assert travel_time_index(50, 60) == 1.0
    with pytest.raises(ValueError):
        travel_time_index(10, 0)


@pytest.mark.parametrize(("speed_kmh", "los", "level"), [
    (50, "A", "free"),        # 100 % of a 50 km/h free-flow speed
    (40.5, "A", "free"),      # 81 %
    (40, "B", "light"),       # 80 % is not above 80 %: B
    (34, "B", "light"),       # 68 %
    (30, "C", "moderate"),    # 60 %
    (25, "D", "heavy"),       # 50 %: D
    (21, "D", "heavy"),       # 42 %
    (17.5, "E", "severe"),    # 35 %
    (15, "F", "severe"),      # 30 %: F
    (5, "F", "severe"),
])
def test_levels_follow_hcm_speed_shares(speed_kmh, los, level):
    free_flow_s = 1000 / (50 / 3.6)  # 1 km at 50 km/h
    actual_s = 1000 / (speed_kmh / 3.6)
    result = congestion(actual_s, free_flow_s)
    assert (result["los"], result["level"]) == (los, level)
    assert result["tti"] == pytest.approx(50 / speed_kmh, abs=1e-3)


def test_demand_over_capacity_is_los_f_whatever_the_speed():
    assert level_of_service(0.9) == "A"
    assert level_of_service(0.9, vc_ratio=1.05) == "F"
    assert level_of_service(0.9, vc_ratio=1.0) == "A"


def test_city_index_weights_by_vehicle_km_or_else_by_length():
    segments = [{"tti": 1.0, "length_m": 1000, "flow_vph": 100},
                {"tti": 2.0, "length_m": 500, "flow_vph": 1800}]
    # vehicle-km weights: 1000 * 100 = 100,000 and 500 * 1800 = 900,000
    # (1.0 * 100,000 + 2.0 * 900,000) / 1,000,000 = 1.9
    assert city_index(segments) == 1.9
    assert city_level(1.9) == "moderate"
    # one flow missing: by length, (1.0 * 1000 + 2.0 * 500) / 1500 = 1.333
    segments[0]["flow_vph"] = None
    assert city_index(segments) == 1.333
    assert city_level(1.333) == "light"
    assert city_index([]) is None and city_level(None) is None
