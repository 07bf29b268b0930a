"""The energy domain's pure calculations against hand-worked values."""

import numpy as np
import pytest

from smartcity.energy import balancing, carbon, tariffs, usage


def test_location_based_emissions_with_one_factor():
    # import = max(consumption - generation, 0) = 10, 0, 20 kWh; x 0.4 kg/kWh
    answer = carbon.carbon([10, 20, 30], [0, 25, 10], hours=[0, 12, 18], factor=0.4)
    assert answer["grid_import_kwh"] == 30
    assert answer["emissions_kg"] == pytest.approx(12.0)
    assert answer["avoided_kg"] == pytest.approx(14.0)  # all 35 kWh generated x 0.4
    assert answer["intensity_kg_per_kwh"] == pytest.approx(12 / 60)


def test_location_based_emissions_with_an_hourly_profile():
    profile = [0.3] * 24
    profile[12], profile[18] = 0.2, 0.5
    answer = carbon.carbon([10, 20, 30], [0, 25, 10], hours=[0, 12, 18], factor=0.4,
                           profile=profile)
    assert answer["emissions_kg"] == pytest.approx(10 * 0.3 + 20 * 0.5)
    assert answer["avoided_kg"] == pytest.approx(25 * 0.2 + 10 * 0.5)
    with pytest.raises(ValueError):
        carbon.factors_for([0], 0.4, profile=[0.1] * 23)


def test_tariff_cost_by_band():
    # Monday 03 h off-peak 0.12, Monday 18 h peak 0.32, Saturday 12 h weekend 0.15
    answer = tariffs.cost([10, 10, 10], [3, 18, 5 * 24 + 12], tariffs.DEFAULT_TARIFF)
    assert answer["cost"] == pytest.approx(1.2 + 3.2 + 1.5)
    assert answer["bands"]["peak"] == {"kwh": 10, "cost": 3.2}
    assert answer["bands"]["mid"] == {"kwh": 0, "cost": 0}


def test_shifting_flexible_load_saves_the_price_difference():
    answer = tariffs.shift_savings([10, 10, 10], [3, 18, 5 * 24 + 12], tariffs.DEFAULT_TARIFF,
                                   flexible_share=0.5)
    # 5 kWh from peak (0.32) to off-peak (0.12); 5 kWh from weekend (0.15) to night (0.12)
    assert answer["saving"] == pytest.approx(5 * 0.20 + 5 * 0.03)
    assert answer["moved_kwh"] == 10
    assert {"from_tow": 18, "to_tow": 0, "kwh": 5.0} in answer["moves"]


@pytest.mark.parametrize("bands, field", [
    ([{"name": "a", "price": 0.1, "hours": [[0, 23]]}], "no price"),
    ([{"name": "a", "price": 0.1, "hours": [[0, 24]]},
      {"name": "b", "price": 0.2, "hours": [[5, 6]]}], "twice"),
    ([{"name": "a", "price": -1, "hours": [[0, 24]]}], "price"),
])
def test_a_tariff_must_price_every_hour_once(bands, field):
    with pytest.raises(ValueError, match=field):
        tariffs.prices({"bands": bands})


def test_load_stats_by_hand():
    assert usage.load_stats([1, 2, 3, 4]) == {
        "peak_kw": 4, "mean_kw": 2.5, "base_kw": 1.15, "load_factor": 0.625}
    assert usage.daily_profile([1, 3, 5], [0, 24, 1])[:2] == [2.0, 5.0]


def test_degree_days_and_enpi_against_the_baseline():
    hdd, cdd = usage.degree_days([10, 20, 25])
    assert hdd.tolist() == [5.5, 0, 0] and cdd.tolist() == [0, 0, 3]
    base_hdd = np.array([0, 2, 4, 6, 8.0])
    model = usage.baseline_model(100 + 10 * base_hdd, base_hdd, np.zeros(5))
    assert model["intercept"] == pytest.approx(100) and model["hdd"] == pytest.approx(10)
    assert model["cdd"] == 0 and model["r2"] == pytest.approx(1)
    indicator = usage.enpi(model, [180, 180], [5, 5], [0, 0])
    # expected 2 x 100 + 10 x 10 = 300; actual 360; (360 - 200) / 10 degree days
    assert indicator["expected_kwh"] == pytest.approx(300)
    assert indicator["enpi"] == pytest.approx(1.2)
    assert indicator["kwh_per_degree_day"] == pytest.approx(16)
    assert indicator["baseline_kwh_per_degree_day"] == pytest.approx(10)
    advice = usage.recommendations(indicator, base_now=50, base_before=40)
    assert advice[0].startswith("Uses 20 % more") and "Base load rose" in advice[1]
    assert usage.recommendations({"enpi": 1.02}, 40, 40) == []


def test_shifting_cuts_the_peak_to_the_largest_inflexible_hour_and_fills_valleys():
    answer = balancing.shift_flexible([2, 2, 2, 10], flex=0.5)
    # mean 4, half of 10 is 5 -> level 5; 5 kWh spread over three 2 kW valleys
    assert answer["level_kw"] == 5
    assert answer["profile"] == pytest.approx([2 + 5 / 3] * 3 + [5], abs=1e-3)
    assert answer["profile"].sum() == pytest.approx(16)
    assert answer["from_hours"] == [3] and answer["to_hours"] == [0, 1, 2]
    only = balancing.shift_flexible([2, 2, 2, 10], flex=0.5, target_kw=8)
    assert only["profile"].max() == pytest.approx(8) and only["moved_kwh"] == pytest.approx(2)


def test_battery_is_limited_by_its_power():
    battery = {"capacity_kwh": 10, "max_kw": 4, "soc": 50, "efficiency": 1.0}
    answer = balancing.battery_dispatch([2, 2, 2, 10], battery)
    assert answer["peak_kw"] == pytest.approx(6, abs=0.02)


def test_battery_charges_in_the_valleys_what_the_peak_needs():
    battery = {"capacity_kwh": 10, "max_kw": 10, "soc": 30, "efficiency": 0.9}
    answer = balancing.battery_dispatch([2, 2, 2, 10], battery)
    # 10 - T <= (3 - 1) + 0.9 x 3 (T - 2)  ->  T = 13.4 / 3.7
    assert answer["peak_kw"] == pytest.approx(13.4 / 3.7, abs=0.02)
    assert [w["action"] for w in balancing.windows(answer["power_kw"])] == ["charge", "discharge"]


def test_balancing_relieves_an_overloaded_feeder():
    answer = balancing.balance([2, 2, 2, 10], capacity_kw=8, flex=0.3,
                               battery={"capacity_kwh": 10, "max_kw": 4, "soc": 50})
    assert answer["overloaded_before"] and not answer["overloaded_after"]
    assert answer["peak_after_kw"] < 7 < answer["peak_before_kw"]
    assert answer["shift"]["from_hours"] == [3]
    assert answer["battery"][-1]["action"] == "discharge"
