"""Feeder forecasts with their backtests, usage patterns and load balancing on 21 days of a
daily load profile with noise."""

import pytest

from .conftest import HOUR


def test_feeder_forecast_has_intervals_a_peak_and_a_backtest_that_beats_the_baseline(
        api, history):
    body = api("/api/energy/forecast", hours=48, feeder_id="feeder-1")
    assert body["issued"] == history and body["temperature"] is True
    [item] = body["items"]
    assert len(item["points"]) == 48 and item["points"][0]["ts"] == history
    assert all(p["lower"] <= p["value"] <= p["upper"] for p in item["points"])
    backtest = item["backtest"]
    assert set(backtest["methods"]) == {"seasonal_naive", "holt_winters", "tow_temperature"}
    assert backtest["baseline_m"] == 168 and backtest["beats_baseline"] is True
    scores = backtest["methods"][item["method"]]
    assert scores["points"] == 7 * 24 and scores["cv_rmse"] < 10
    # the evening peak near 19:30 UTC: 112 kW x (0.35 + 0.6) = 106 kW on a 100 kW feeder
    peak = item["peak"]
    assert (peak["ts"] // HOUR) % 24 in (19, 20)
    assert peak["value"] == pytest.approx(106, abs=4)
    assert peak["utilisation"] == pytest.approx(peak["value"] / 100, abs=1e-3)


def test_load_balancing_lowers_the_forecast_peak_of_the_overloaded_feeder(api, history):
    body = api("/api/energy/optimization/load-balancing", hours=24, flexible_share=0.3)
    feeders = {f["feeder_id"]: f for f in body["feeders"]}
    one = feeders["feeder-1"]
    assert one["overloaded_before"] and not one["overloaded_after"]
    assert one["peak_after_kw"] <= 80.5  # down to the warning level, 80 % of 100 kW
    assert one["shift"]["moved_kwh"] > 0 and one["shift"]["from"]
    assert body["summary"]["overloaded_before"] >= 1 and body["summary"]["overloaded_after"] == 0
    [battery] = body["batteries"]
    assert battery["device_id"] == "bat-1" and battery["soc"] == 60
    assert battery["peak_after_kw"] < battery["peak_before_kw"]
    assert {w["action"] for w in battery["windows"]} >= {"discharge"}
    assert any("Feeder 1-N" in line for line in body["recommendations"])


def test_usage_patterns_by_sector(api, history):
    body = api("/api/energy/usage", group_by="sector", days=7)
    sectors = {i["id"]: i for i in body["items"]}
    assert set(sectors) == {"residential", "public"}
    public = sectors["public"]
    assert public["mean_kw"] == pytest.approx(30, abs=0.5)
    assert 0.85 < public["load_factor"] <= 1
    assert len(sectors["residential"]["profile_kw"]) == 24


def test_meter_usage_against_its_own_baseline(api, history):
    body = api("/api/energy/meters/em-1/usage", days=7, baseline_days=14)
    assert body["peak_kw"] > body["mean_kw"] > body["base_kw"] > 0
    efficiency = body["efficiency"]
    assert efficiency["enpi"] == pytest.approx(1, abs=0.05)  # the same weather, the same use
    assert body["recommendations"] == []
