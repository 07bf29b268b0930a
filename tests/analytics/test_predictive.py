"""GET /api/analytics/predictive/<domain>: the domains' own forecasts through @domain.predictive."""

import math
import time

import pytest

from smartcity import domains

HOUR = 3_600_000


def flow(ts: int) -> float:
    """A known weekly pattern: a daily wave, quieter at weekends."""
    weekend = (ts // (24 * HOUR) + 3) % 7 >= 5
    return (300 if weekend else 500) + 200 * math.sin(2 * math.pi * (ts // HOUR % 24) / 24)


def test_traffic_energy_and_waste_register_a_predictor(app):
    registered = {n for n, d in domains.enabled(app).items() if d.predictor is not None}
    assert {"traffic", "energy", "waste"} <= registered


def test_traffic_forecasts_each_counter_with_its_backtest(api, road_devices, store):
    end = int(time.time() * 1000) // HOUR * HOUR
    store([("cnt-ab", ts + 60_000, {"intensity": round(flow(ts), 1)})
           for ts in range(end - 28 * 24 * HOUR, end, HOUR)])
    got = api("/api/analytics/predictive/traffic", hours=6)
    assert got["domain"] == "traffic" and got["hours"] == 6
    assert got["counters"] == 3 and got["forecast"] == 1
    items = {i["device_id"]: i for i in got["items"]}
    ab = items["cnt-ab"]
    assert ab["segment_id"] == "seg-ab" and len(ab["points"]) == 6
    assert ab["points"][0]["ts"] == end
    for p in ab["points"]:
        assert abs(p["flow"] - flow(p["ts"])) < 25
    assert "seasonal_naive" in ab["backtests"] and ab["method"] in ab["backtests"]
    assert "three weeks" in items["cnt-bc"]["error"]


def test_waste_predicts_which_bins_fill_within_the_horizon(api, make_device, store):
    make_device("bin-1", type="smart_bin")
    make_device("bin-2", type="smart_bin")
    now = int(time.time() * 1000)
    store([("bin-1", now - (9 - i) * HOUR, {"fill_level": 40 + 2 * i}) for i in range(10)]
          + [("bin-2", now - (9 - i) * HOUR, {"fill_level": 10}) for i in range(10)])
    got = api("/api/analytics/predictive/waste", hours=24)
    items = {i["id"]: i for i in got["items"]}
    assert items["bin-1"]["hours_to_full"] == 21.0  # 42 points at 2 %/h
    assert items["bin-1"]["outlook"] == "full" and items["bin-1"]["level_at_horizon"] == 100.0
    assert items["bin-2"]["outlook"] == "not_full" and items["bin-2"]["level_at_horizon"] == 10
    assert got["full_within_horizon"] == 1 and got["bins"] == 2
    assert api("/api/analytics/predictive/waste", hours=12)["full_within_horizon"] == 0


def test_energy_without_feeders_forecasts_nothing(api):
    got = api("/api/analytics/predictive/energy")
    assert got["hours"] == 24 and got["items"] == []


@pytest.mark.parametrize(("path", "status"), [
    ("/api/analytics/predictive/environment", 404),  # registers no predictor
    ("/api/analytics/predictive/nowhere", 404),
    ("/api/analytics/predictive/traffic?hours=0", 400),
    ("/api/analytics/predictive/traffic?hours=soon", 400),
])
def test_unknown_domains_and_bad_hours_are_refused(client, viewer_headers, path, status):
    response = client.get(path, headers=viewer_headers)
    assert response.status_code == status
    if status == 400:
        assert response.get_json()["error"]["details"]["field"] == "hours"
