import math

import pytest

from smartcity.forecast import cv_rmse, mae, mase, nmbe
from smartcity.forecast.metrics import accuracy

ACTUAL = [10, 12, 14, 16]
PREDICTED = [11, 11, 15, 13]  # errors (measured - predicted): -1, 1, -1, 3; ȳ = 13


def test_mae_by_hand():
    assert mae(ACTUAL, PREDICTED) == 1.5


def test_cv_rmse_divides_by_n_minus_p():
    # sqrt(12 / (4 - 1)) / 13 = 2 / 13
    assert cv_rmse(ACTUAL, PREDICTED, p=1) == pytest.approx(100 * 2 / 13)
    assert cv_rmse(ACTUAL, PREDICTED, p=0) == pytest.approx(100 * math.sqrt(3) / 13)


def test_nmbe_is_measured_minus_predicted_over_n_minus_p():
    # sum of errors 2, (4 - 1) x 13 = 39
    assert nmbe(ACTUAL, PREDICTED, p=1) == pytest.approx(100 * 2 / 39)
    assert nmbe(ACTUAL, PREDICTED, p=0) == pytest.approx(100 * 2 / 52)
    assert nmbe([10, 10], [12, 12], p=0) < 0  # over-prediction is negative


def test_mase_scales_by_in_sample_seasonal_naive_error():
    training = [1, 2, 4, 3, 5, 7]  # m = 2: |4-1|, |3-2|, |5-4|, |7-3| -> mean 9/4
    assert mase([6, 8], [5, 9.5], training, m=2) == pytest.approx(1.25 / 2.25)


def test_metrics_refuse_too_few_points_and_zero_means():
    with pytest.raises(ValueError):
        cv_rmse([1.0], [1.0], p=1)
    with pytest.raises(ValueError):
        nmbe([0.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError):
        mae([1, 2], [1])
    with pytest.raises(ValueError):
        mase([1], [1], [1, 1, 1], m=1)  # exactly periodic training


def test_accuracy_rounds_all_three():
    assert accuracy(ACTUAL, PREDICTED) == {"mae": 1.5, "cv_rmse": 15.385, "nmbe": 5.128}
