"""Stored forecasts: the hour's cache, the scheduler's issuing and scoring jobs, and the rolling
accuracy per method, on a synthetic seasonal series with a trend stored through the pipeline."""

import math
import time

import numpy as np
import pytest

from smartcity.analytics import issued, jobs
from smartcity.jobs.scheduler import get_scheduler
from tests.domain import wait_for

HOUR = 3_600_000
DAY = 24 * HOUR


def truth(ts: int, start: int) -> float:
    """A daily wave on a level rising from 50 at `start` by 0.05 a hour (1.2 a day)."""
    return 50 + 0.05 * (ts - start) / HOUR + 10 * math.sin(2 * math.pi * (ts // HOUR % 24) / 24)


@pytest.fixture
def series(app, make_device, store):
    """17 days of hourly temperature of one station; returns the end of the last whole hour."""
    app.config.update(ANALYTICS_FORECAST_HISTORY_DAYS=10, ANALYTICS_FORECAST_BACKTEST_DAYS=2,
                      ANALYTICS_FORECAST_HORIZON_H=24)
    make_device("aq-1", type="air_quality_station")
    end = int(time.time() * 1000) // HOUR * HOUR
    rng = np.random.default_rng(11)
    start = end - 17 * DAY
    store([("aq-1", ts + 60_000, {"temperature": round(truth(ts, start) + rng.normal(0, 0.5), 3)})
           for ts in range(start, end, HOUR)])
    return end


def test_a_second_request_within_the_hour_answers_from_the_store(api, series):
    query = {"device_id": "aq-1", "key": "temperature", "horizon": "24h", "history_days": 10,
             "backtest_days": 2}
    first = api("/api/analytics/forecast", **query)
    again = api("/api/analytics/forecast", **query)
    assert first["cached"] is False and again["cached"] is True
    assert again["run_id"] == first["run_id"] and again["points"] == first["points"]
    assert again["backtest"] == first["backtest"]
    chosen = api("/api/analytics/forecast", **query, method="holt_winters")
    assert chosen["cached"] is True and chosen["method"] == "holt_winters"
    assert set(chosen["backtest"]["methods"]) == {"holt_winters", "seasonal_naive"}


def test_forecasts_are_issued_scored_and_holt_winters_beats_the_baseline(app, api, series):
    end = series
    with app.app_context():
        for day in range(6, 1, -1):
            for hour in (0, 6, 12, 18):
                counts = jobs.issue_all(end - day * DAY + hour * HOUR)
                assert counts == {"series": 1, "issued": 1, "cached": 0, "skipped": 0, "left": 0}
        assert jobs.issue_all(end - 2 * DAY + 18 * HOUR)["cached"] == 1
        jobs.issue_all(end)  # today's: its hours have not passed
        assert issued.score(end) == {"scored": 60, "points": 60 * 24}
        assert issued.score(end) == {"scored": 0, "points": 0}
    got = api("/api/analytics/forecast/accuracy", device_id="aq-1", key="temperature", days=7)
    methods = got["methods"]
    assert set(methods) == {"auto", "holt_winters", "regression", "seasonal_naive"}
    for name in ("holt_winters", "seasonal_naive", "regression"):
        assert methods[name]["runs"] == 20 and methods[name]["n"] == 480
        assert len(methods[name]["mae_by_lead"]) == 24
    hw, naive = methods["holt_winters"], methods["seasonal_naive"]
    assert hw["mase"] < naive["mase"] and hw["mae"] < naive["mae"]
    assert hw["cv_rmse_pct"] < naive["cv_rmse_pct"]
    assert naive["nmbe_pct"] > 0  # repeating yesterday under-predicts a rising series
    assert got["best"] != "seasonal_naive" and got["horizons_h"] == [24]
    assert methods["auto"]["runs"] == 20
    assert 0.8 <= hw["coverage"] <= 1.0  # 95 % intervals


def test_the_jobs_are_registered_and_scoring_prunes_old_runs(app, series):
    names = set(get_scheduler(app).jobs)
    assert {"analytics_forecasts", "analytics_forecast_scoring"} <= names
    with app.app_context():
        assert jobs.issue_all(series - 20 * DAY)["skipped"] == 1  # no history then
        assert jobs.issue_all(series - 3 * DAY)["issued"] == 1
        result = jobs.score_and_prune(keep_days=2)
    assert result == {"scored": 3, "points": 72, "pruned": 3}


def test_the_jobs_tell_open_pages(app, live, series):
    client = live("analytics")
    with app.app_context():
        get_scheduler(app).jobs["analytics_forecasts"].fn(app)
    update = wait_for(client, "analytics_update")[-1]
    assert update["kind"] == "forecasts" and update["issued"] == 1


@pytest.mark.parametrize(("query", "status", "field"), [
    ({"device_id": "aq-1"}, 400, "key"),
    ({"device_id": "aq-1", "key": "temperature", "days": 0}, 400, "days"),
    ({"device_id": "nope", "key": "temperature"}, 404, None),
])
def test_bad_accuracy_queries_are_refused(client, viewer_headers, make_device, query, status,
                                          field):
    make_device("aq-1", type="air_quality_station")
    response = client.get("/api/analytics/forecast/accuracy", query_string=query,
                          headers=viewer_headers)
    assert response.status_code == status
    if field:
        assert response.get_json()["error"]["details"]["field"] == field


def test_no_scored_forecast_is_no_method(api, make_device):
    make_device("aq-1", type="air_quality_station")
    got = api("/api/analytics/forecast/accuracy", device_id="aq-1", key="pm25")
    assert got["methods"] == {} and got["best"] is None


def test_a_run_out_of_budget_leaves_the_rest_to_the_next(app, make_device, series, store):
    make_device("aq-2", type="air_quality_station")
    store([("aq-2", ts + 60_000, {"temperature": 20.0 + ts // HOUR % 24})
           for ts in range(series - 11 * DAY, series, HOUR)])
    with app.app_context():
        first = jobs.issue_all(series, budget_s=0)  # the first series, then out of time
        second = jobs.issue_all(series, budget_s=0)
    assert first == {"series": 2, "issued": 1, "cached": 0, "skipped": 0, "left": 1}
    assert second == {"series": 2, "issued": 1, "cached": 1, "skipped": 0, "left": 0}
