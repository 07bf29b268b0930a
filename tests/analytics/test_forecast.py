"""GET /api/analytics/forecast on a synthetic daily pattern stored through the real pipeline."""

import math
import time

import numpy as np
import pytest

HOUR = 3_600_000
DAYS = 10


@pytest.fixture
def seasonal(make_device, store):
    """A station whose temperature follows a known daily sine plus a little noise."""
    make_device("aq-1", type="air_quality_station")
    rng = np.random.default_rng(7)
    end = int(time.time() * 1000) // HOUR * HOUR
    readings = []
    for ts in range(end - DAYS * 24 * HOUR, end, HOUR):
        value = 15 + 5 * math.sin(2 * math.pi * (ts // HOUR % 24) / 24) + rng.normal(0, 0.3)
        readings.append(("aq-1", ts + HOUR // 2, {"temperature": round(value, 3)}))
    store(readings)
    return end


def test_auto_forecast_carries_its_backtest_and_the_baseline(api, seasonal):
    got = api("/api/analytics/forecast", device_id="aq-1", key="temperature", horizon="12h",
              history_days=DAYS, backtest_days=2)
    assert got["issued"] == seasonal and got["horizon_h"] == 12
    assert len(got["points"]) == 12
    assert got["points"][0]["ts"] == seasonal
    for p in got["points"]:
        assert p["lower"] <= p["value"] <= p["upper"]
        truth = 15 + 5 * math.sin(2 * math.pi * (p["ts"] // HOUR % 24) / 24)
        assert abs(p["value"] - truth) < 2
    backtest = got["backtest"]
    assert backtest["baseline"]["method"] == "seasonal_naive"
    assert set(backtest["methods"]) == {"seasonal_naive", "holt_winters", "regression"}
    chosen = backtest["methods"][got["method"]]["cv_rmse"]
    assert chosen == min(s["cv_rmse"] for s in backtest["methods"].values())
    assert backtest["scores"]["points"] == 48


def test_a_chosen_method_is_scored_next_to_the_baseline(api, seasonal):
    got = api("/api/analytics/forecast", device_id="aq-1", key="temperature", horizon="1d",
              method="holt_winters", history_days=DAYS, backtest_days=2)
    assert got["method"] == "holt_winters" and len(got["points"]) == 24
    assert set(got["backtest"]["methods"]) == {"holt_winters", "seasonal_naive"}
    assert got["backtest"]["baseline"]["scores"]["mase"] > 0


def test_a_key_without_history_is_refused(client, viewer_headers, seasonal):
    response = client.get("/api/analytics/forecast", headers=viewer_headers, query_string={
        "device_id": "aq-1", "key": "no2", "history_days": DAYS})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["field"] == "key"


@pytest.mark.parametrize(("query", "field"), [
    ({"key": "temperature"}, "device_id"),
    ({"device_id": "aq-1", "key": "temperature", "horizon": "soon"}, "horizon"),
    ({"device_id": "aq-1", "key": "temperature", "method": "oracle"}, "method"),
])
def test_bad_query_is_a_400_naming_the_field(client, viewer_headers, query, field):
    response = client.get("/api/analytics/forecast", query_string=query, headers=viewer_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_an_unknown_device_is_404(client, viewer_headers):
    response = client.get("/api/analytics/forecast", headers=viewer_headers,
                          query_string={"device_id": "nope", "key": "temperature"})
    assert response.status_code == 404
