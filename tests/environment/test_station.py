"""A station's indices from hourly means: windows, completeness, unit conversion, trends and
population exposure on hand-built data."""

import pytest

from smartcity.environment import exposure, station, trends

DAY = trends.DAY_MS


def hours(*values, fill=None, n=24):
    return list(values) + [fill] * (n - len(values))


def test_pm_uses_nowcast_now_and_the_24_hour_mean_for_the_day():
    series = {"pm25": hours(40, 20, 20, 20, fill=20)}  # 24 hours: 40 then 23 × 20
    result = station.station_indices(series)
    # NowCast: w = 0.5; (40 + 20·(0.5+...+0.5^11)) / (1 + 0.5+...+0.5^11) = 30.0098 -> 30.0
    # 49/26.3·20.9+51 = 89.94 -> 90
    assert result["aqi"]["sub_indices"] == {"pm25": 90}
    assert result["aqi"]["averaging"] == {"pm25": "NowCast (12 h)"}
    # 24 h: (40 + 23·20)/24 = 20.833 -> 20.8; 49/26.3·11.7+51 = 72.80 -> 73
    assert result["aqi_24h"]["sub_indices"] == {"pm25": 73}
    assert result["aqi_24h"]["averaging"] == {"pm25": "24 h"}


def test_the_24_hour_pm_mean_needs_18_hours():
    assert station.station_indices({"pm25": hours(*[10] * 17)})["aqi_24h"] is None
    assert station.station_indices({"pm25": hours(*[10] * 18)})["aqi_24h"] is not None


def test_ozone_8_hour_mean_in_ppm_needs_6_hours():
    # 150 µg/m³ = 76.53 ppb = 0.0765 ppm -> 0.076: 49/0.014·0.005+101 = 118.5 -> 119
    result = station.station_indices({"o3": hours(*[150] * 8)})
    assert result["aqi"]["sub_indices"] == {"o3_8h": 119}
    assert result["aqi"]["concentrations"]["o3_8h"] == 0.076
    assert station.station_indices({"o3": hours(*[150] * 5)})["aqi"] is None
    assert station.station_indices({"o3": hours(*[150] * 6)})["aqi"] is not None


def test_1_hour_ozone_counts_from_0_125_ppm():
    # last hour 300 µg/m³ = 0.153 ppm: 49/0.039·0.028+101 = 136.2 -> 136; 8 h mean
    # (300 + 7·100)/8 = 125 µg/m³ = 0.0637 ppm -> 0.063: 49/0.015·0.008+51 = 77.1 -> 77
    result = station.station_indices({"o3": hours(300, *[100] * 7)})
    assert result["aqi"]["sub_indices"] == {"o3_8h": 77, "o3_1h": 136}
    assert result["aqi"]["dominant_pollutant"] == "o3_1h"
    low = station.station_indices({"o3": hours(200, *[100] * 7)})  # 0.102 ppm: no 1-h index
    assert set(low["aqi"]["sub_indices"]) == {"o3_8h"}


def test_conversion_to_ppm_does_not_lose_a_step_to_binary_floats():
    # 1.3 ppm of CO is 1.4885 mg/m³; 1.4885 / 1.145 in floats is 1.2999999, truncating to 1.2
    result = station.station_indices({"co": hours(*[1.4885] * 8)})
    assert result["aqi"]["concentrations"]["co"] == 1.3
    assert result["aqi"]["sub_indices"] == {"co": 15}  # 50/4.4·1.3 = 14.77


def test_no2_and_so2_use_the_last_hour_in_ppb():
    # NO2 200 µg/m³ = 106.38 ppb -> 106: 49/259·5+101 = 101.9 -> 102
    # SO2 100 µg/m³ = 38.17 ppb -> 38: 49/39·2+51 = 53.5 -> 54
    result = station.station_indices({"no2": hours(200, 10), "so2": hours(100, 5)})
    assert result["aqi"]["sub_indices"] == {"so2": 54, "no2": 102}
    assert result["aqi"]["aqi"] == 102 and result["aqi"]["category"] == \
        "Unhealthy for Sensitive Groups"


def test_high_1_hour_so2_is_judged_on_its_24_hour_mean():
    # last hour 1048 µg/m³ = 400 ppb; 24-hour mean 262 µg/m³ = 100 ppb (< 305) -> 200
    series = {"so2": hours(1048, *[(262 * 24 - 1048) / 23] * 23)}
    assert station.station_indices(series)["aqi"]["sub_indices"] == {"so2": 200}


def test_eaqi_uses_the_last_hour_of_each_pollutant():
    result = station.station_indices({"pm25": hours(16, 4, 4), "no2": hours(9), "o3": hours(61)})
    assert result["eaqi"]["sub_levels"] == {"pm25": 3, "no2": 1, "o3": 2}
    assert result["eaqi"]["level"] == 3 and result["eaqi"]["category"] == "Moderate"


def test_a_station_without_data_has_no_index():
    assert station.station_indices({}) == {"aqi": None, "aqi_24h": None, "eaqi": None}


# -- trends --------------------------------------------------------------------------------------

def test_daily_means_divide_each_day_by_its_readings():
    assert trends.daily_means({0: (4, 40.0), DAY: (0, 0.0), 2 * DAY: (2, 5.0)}) == {
        0: 10.0, 2 * DAY: 2.5}


def test_week_over_week_compares_the_last_7_days_with_the_7_before():
    last = 13 * DAY
    daily = {d * DAY: (10.0 if d < 7 else 15.0) for d in range(14)}
    result = trends.week_over_week(daily, last)
    assert result["current_week_mean"] == 15.0 and result["previous_week_mean"] == 10.0
    assert result["change"] == 5.0 and result["change_pct"] == pytest.approx(50.0)
    assert result["trend"] == "up" and result["days"] == {"current_week": 7, "previous_week": 7}


def test_a_week_mean_weighs_days_equally_and_needs_4_days():
    last = 13 * DAY
    daily = {7 * DAY: 10.0, 8 * DAY: 20.0, 9 * DAY: 30.0, 13 * DAY: 40.0, 0: 20.0,
             DAY: 20.0, 2 * DAY: 20.0}
    result = trends.week_over_week(daily, last)
    assert result["current_week_mean"] == 25.0  # (10+20+30+40)/4
    assert result["previous_week_mean"] is None  # 3 days only
    assert result["change_pct"] is None and result["trend"] is None


def test_small_changes_are_flat_and_falls_are_down():
    last = 13 * DAY
    assert trends.week_over_week({d * DAY: 100.0 if d < 7 else 96.0 for d in range(14)},
                                 last)["trend"] == "flat"
    falling = trends.week_over_week({d * DAY: 100.0 if d < 7 else 60.0 for d in range(14)}, last)
    assert falling["trend"] == "down" and falling["change_pct"] == pytest.approx(-40.0)


# -- population exposure -------------------------------------------------------------------------

DISTRICTS = [
    {"id": "d1", "name": "North", "population": 10_000, "centre": (45.00, 7.00)},
    {"id": "d2", "name": "Centre", "population": 30_000, "centre": (44.99, 7.00)},
    {"id": "d3", "name": "South", "population": 20_000, "centre": (44.98, 7.00)},
    {"id": "d4", "name": "Port", "population": 5_000, "centre": None},
]
STATIONS = [
    {"device_id": "a", "asset_id": "d1", "aqi": 40, "location": (45.001, 7.0)},
    {"device_id": "b", "asset_id": "d2", "aqi": 120, "location": (44.99, 7.001)},
    {"device_id": "c", "asset_id": "d2", "aqi": 155, "location": (44.985, 7.0)},
    {"device_id": "d", "asset_id": "d3", "aqi": None, "location": (44.98, 7.0)},
]


def test_a_district_takes_the_mean_of_its_stations_or_the_nearest_one():
    by_id = {d["id"]: d for d in exposure.district_aqi(DISTRICTS, STATIONS)}
    assert by_id["d1"]["aqi"] == 40 and not by_id["d1"]["estimated"]
    assert by_id["d2"]["aqi"] == 138  # (120 + 155) / 2 = 137.5, half up
    assert by_id["d2"]["stations"] == ["b", "c"]
    # d3's own station has no AQI: the nearest reporting one is c (0.005° away, b 0.01°)
    assert by_id["d3"]["aqi"] == 155 and by_id["d3"]["estimated"]
    assert by_id["d3"]["stations"] == ["c"]
    assert by_id["d4"]["aqi"] is None  # no centre to place it


def test_population_exposure_per_category_and_weighted_aqi():
    districts = exposure.district_aqi(DISTRICTS, STATIONS)
    result = exposure.population_exposure(districts)
    assert result["population_total"] == 65_000
    assert result["population_covered"] == 60_000 and result["population_unknown"] == 5_000
    by_category = {c["category"]: c for c in result["by_category"]}
    assert by_category["Good"]["population"] == 10_000
    assert by_category["Unhealthy for Sensitive Groups"]["population"] == 30_000
    assert by_category["Unhealthy"]["population"] == 20_000
    assert by_category["Unhealthy"]["districts"] == ["d3"]
    assert by_category["Moderate"]["population"] == 0
    assert by_category["Good"]["share"] == pytest.approx(1 / 6)
    # (10000·40 + 30000·138 + 20000·155) / 60000 = 127.33
    assert result["weighted_aqi"] == pytest.approx(127.3333, abs=1e-4)
    assert result["weighted_category"] == "Unhealthy for Sensitive Groups"
    assert result["at_risk_population"] == 50_000


def test_exposure_without_any_reading():
    result = exposure.population_exposure([{"id": "d1", "population": 100, "aqi": None}])
    assert result["weighted_aqi"] is None and result["population_covered"] == 0
    assert all(c["population"] == 0 for c in result["by_category"])
