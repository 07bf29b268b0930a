"""POST /api/analytics/forecast/evaluate against values worked out by hand."""

import math

import pytest

URL = "/api/analytics/forecast/evaluate"


def evaluate(client, headers, body, status=200):
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_every_metric_equals_the_hand_computed_value(client, viewer_headers):
    # e = y − ŷ = [1, −1, 1, −2]; ȳ = 5; n − p = 3
    got = evaluate(client, viewer_headers, {"actual": [2, 4, 6, 8], "predicted": [1, 5, 5, 10]})
    assert got["n"] == 4
    assert got["mae"] == pytest.approx(5 / 4)
    assert got["rmse"] == pytest.approx(math.sqrt(7 / 4))
    assert got["mape_pct"] == pytest.approx(100 * (1 / 2 + 1 / 4 + 1 / 6 + 2 / 8) / 4)
    assert got["nmbe_pct"] == pytest.approx(100 * -1 / (3 * 5))  # under-predicts: negative
    assert got["cv_rmse_pct"] == pytest.approx(100 * math.sqrt(7 / 3) / 5)
    # no training series: scaled by the naive (m = 1) error of actual, mean |Δy| = 2
    assert got["mase"] == pytest.approx(1.25 / 2)


def test_parameters_change_the_degrees_of_freedom(client, viewer_headers):
    got = evaluate(client, viewer_headers, {"actual": [2, 4, 6, 8], "predicted": [1, 5, 5, 10],
                                            "parameters": 2})
    assert got["nmbe_pct"] == pytest.approx(100 * -1 / (2 * 5))
    assert got["cv_rmse_pct"] == pytest.approx(100 * math.sqrt(7 / 2) / 5)


def test_mase_is_scaled_by_the_seasonal_naive_error_of_the_training_series(client,
                                                                           viewer_headers):
    # m = 2 on [0, 1, 4, 3]: |4 − 0|, |3 − 1| -> scale 3
    got = evaluate(client, viewer_headers, {"actual": [2, 4, 6, 8], "predicted": [1, 5, 5, 10],
                                            "seasonal_period": 2, "training": [0, 1, 4, 3]})
    assert got["mase"] == pytest.approx(1.25 / 3)
    # without training the seasonal differences of actual: |6 − 2|, |8 − 4| -> scale 4
    got = evaluate(client, viewer_headers, {"actual": [2, 4, 6, 8], "predicted": [1, 5, 5, 10],
                                            "seasonal_period": 2})
    assert got["mase"] == pytest.approx(1.25 / 4)


def test_mape_is_null_when_an_actual_is_zero(client, viewer_headers):
    got = evaluate(client, viewer_headers, {"actual": [0, 2, 4], "predicted": [1, 2, 3]})
    assert got["mape_pct"] is None
    assert got["mae"] == pytest.approx(2 / 3)


def test_undefined_metrics_are_null_not_errors(client, viewer_headers):
    # one point: no degrees of freedom for p = 1, no naive difference for MASE
    got = evaluate(client, viewer_headers, {"actual": [3], "predicted": [2]})
    assert got == {"n": 1, "mae": 1.0, "rmse": 1.0, "mape_pct": pytest.approx(100 / 3),
                   "nmbe_pct": None, "cv_rmse_pct": None, "mase": None}


@pytest.mark.parametrize(("body", "field"), [
    ({"actual": [1, 2, 3], "predicted": [1, 2]}, "predicted"),
    ({"actual": [], "predicted": []}, "actual"),
    ({"actual": [1], "predicted": []}, "predicted"),
    ({"predicted": [1]}, "actual"),
    ({"actual": [1, "x"], "predicted": [1, 2]}, "actual"),
    ({"actual": [1, 2], "predicted": [1, 2], "seasonal_period": 0}, "seasonal_period"),
])
def test_bad_input_is_a_400_naming_the_field(client, viewer_headers, body, field):
    got = evaluate(client, viewer_headers, body, status=400)
    assert got["error"]["details"]["field"] == field


def test_evaluate_needs_a_login(client):
    assert client.post(URL, json={"actual": [1], "predicted": [1]}).status_code == 401
