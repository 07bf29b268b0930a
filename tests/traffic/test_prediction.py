"""Flow prediction per counter: the chosen method against the same-hour-last-week baseline on a
weekly pattern, and the endpoint over stored hourly readings."""

import numpy as np
import pytest

from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms
from smartcity.traffic.prediction import predict
from tests.roadkit import store_points

HOUR = 3_600_000
END = 1_790_000_000_000 // HOUR * HOUR


def weekly(n_hours: int, end: int, noise: float, seed: int = 0) -> list[tuple[int, float]]:
    """A daily double peak, quieter weekends, and noise."""
    rng = np.random.default_rng(seed)
    start = end - n_hours * HOUR
    out = []
    for i in range(n_hours):
        ts = start + i * HOUR
        hour, weekday = (ts // HOUR) % 24, ((ts // HOUR) // 24 + 3) % 7  # 1970-01-01 Thursday
        base = 200 + 600 * np.exp(-((hour - 8) ** 2) / 4) + 500 * np.exp(-((hour - 17) ** 2) / 6)
        out.append((ts, float(base * (0.6 if weekday >= 5 else 1.0) + rng.normal(0, noise))))
    return out


def test_a_weekly_pattern_is_forecast_at_least_as_well_as_last_week():
    answer = predict(weekly(28 * 24, END, noise=30.0), END, 6, "UTC", 28)
    scores = answer["backtests"]
    assert set(scores) >= {"seasonal_naive", "holt_winters", "tow_temperature"}
    assert answer["method"] == min(scores, key=lambda m: scores[m]["cv_rmse"])
    # last week carries its own noise too (error sd σ√2); the time-of-week regression averages
    # the three training weeks (σ√(1 + 1/3)): expected skill 1 − √(4/3) / √2 ≈ 0.18
    assert answer["skill_vs_baseline"] > 0.1
    assert len(answer["points"]) == 6 and answer["points"][0]["ts"] == END
    expected = [v for _ts, v in weekly(28 * 24 + 6, END + 6 * HOUR, noise=0.0)][-6:]
    for point, truth in zip(answer["points"], expected, strict=True):
        assert point["lower"] <= point["flow"] <= point["upper"]
        assert point["flow"] == pytest.approx(truth, abs=60)


def test_too_little_history_is_a_conflict():
    from smartcity.errors import ApiError

    with pytest.raises(ApiError) as err:
        predict(weekly(10 * 24, END, 5.0), END, 6, "UTC", 28)
    assert err.value.status == 409 and err.value.details["field"] == "days"


def test_the_prediction_endpoint(app, client, road_devices, headers):
    end = now_ms() // HOUR * HOUR
    points = [Point("cnt-ab", "intensity", ts + 60_000, v, None)
              for ts, v in weekly(21 * 24, end, noise=10.0)]
    store_points(app, points)
    viewer = headers("viewer")
    answer = client.get("/api/traffic/counters/cnt-ab/prediction?hours=3&days=21",
                        headers=viewer).get_json()
    assert answer["device_id"] == "cnt-ab" and len(answer["points"]) == 3
    assert answer["hours_measured"] == 21 * 24 and answer["skill_vs_baseline"] is not None
    not_counter = client.get("/api/traffic/counters/sig-b/prediction", headers=viewer)
    assert not_counter.status_code == 400
    short = client.get("/api/traffic/counters/cnt-bc/prediction", headers=viewer)
    assert short.status_code == 409
