"""The lag search finds a known lag; constant or too-short series are not scored."""

import time

import numpy as np
import pytest

from smartcity.analytics.correlations import correlate

H = 3_600_000


def test_a_series_that_follows_another_by_three_hours_is_found_at_lag_three():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    a = {i * H: float(x[i]) for i in range(200)}
    b = {(i + 3) * H: 2 * float(x[i]) + 1 for i in range(200)}  # b(t + 3 h) = 2 a(t) + 1
    got = correlate(a, b, max_lag_h=6)
    assert got["best"]["lag_h"] == 3
    assert got["best"]["pearson"] == pytest.approx(1.0) and got["best"]["spearman"] == 1.0
    assert got["best"]["n"] == 200
    assert abs(got["lag0"]["pearson"]) < 0.3
    assert got["lags_tried"] == 13


def test_hand_computed_pearson_at_lag_zero():
    a = {0: 1.0, H: 2.0, 2 * H: 3.0, 3 * H: 4.0}
    b = {0: 2.0, H: 1.0, 2 * H: 4.0, 3 * H: 3.0}
    # deviations a: −1.5 −.5 .5 1.5, b: −.5 −1.5 1.5 .5: Σab = 3, Σa² = Σb² = 5 -> r = 0.6
    assert correlate(a, b, max_lag_h=0)["lag0"]["pearson"] == pytest.approx(0.6)


def test_a_lag_that_overlaps_the_data_only_at_its_edge_is_never_the_best():
    # 48 hours of noise; at lag 45 only 3 pairs remain, which happen to line up perfectly
    rng = np.random.default_rng(7)
    a = {i * H: float(v) for i, v in enumerate(rng.normal(size=48))}
    b = {i * H: float(v) for i, v in enumerate(rng.normal(size=48))}
    for i in range(3):
        b[(i + 45) * H] = 5 * a[i * H]
    got = correlate(a, b, max_lag_h=45)
    assert got["best"]["lag_h"] != 45 and got["best"]["n"] >= 24
    assert got["lags_tried"] == 91


def test_constant_or_short_series_are_not_scored():
    assert correlate({0: 1.0, H: 1.0, 2 * H: 1.0}, {0: 1.0, H: 2.0, 2 * H: 3.0}, 0)["best"] \
        is None
    assert correlate({0: 1.0}, {0: 1.0}, 2) == {"lag0": None, "best": None, "lags_tried": 0}


def test_the_endpoint_correlates_stored_hourly_means(make_device, store, api, client,
                                                      viewer_headers):
    make_device("aq-1", type="air_quality_station")
    make_device("aq-2", type="air_quality_station")
    end = int(time.time() * 1000) // H * H
    rng = np.random.default_rng(3)
    x = rng.normal(10, 3, size=48)
    readings = [("aq-1", end - (48 - i) * H + 60_000, {"no2": float(x[i])}) for i in range(48)]
    readings += [("aq-2", end - (48 - i) * H + 2 * H + 60_000, {"no2": float(x[i]) * 3})
                 for i in range(46)]  # aq-2 repeats aq-1 two hours later
    store(readings)
    got = api("/api/analytics/correlations", series="aq-1:no2,aq-2:no2", start="-3d",
              max_lag=4)
    assert got["best"]["lag_h"] == 2 and got["best"]["pearson"] == pytest.approx(1.0)
    bad = client.get("/api/analytics/correlations", query_string={"series": "aq-1:no2"},
                     headers=viewer_headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["field"] == "series"
