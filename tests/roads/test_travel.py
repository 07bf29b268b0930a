"""Travel time per segment: measured speeds, the BPR curve, free flow and incidents."""

import pytest

from smartcity.roads.graph import Segment
from smartcity.roads.travel import Observation, bpr_time, observations, segment_time

# 1 km at 50 km/h: t0 = 1000 / (50 / 3.6) = 72 s; 1,800 veh/h per direction
ROAD = Segment("s", "a", "b", 1000.0, 50.0, 1800.0, lanes=2)


def test_bpr_values_by_hand():
    # v/c = 0.5: 72 * (1 + 0.15 * 0.0625) = 72 * 1.009375 = 72.675 s
    assert bpr_time(72.0, 900, 1800) == pytest.approx(72.675)
    # v/c = 1: 72 * 1.15 = 82.8 s; v/c = 2: 72 * (1 + 0.15 * 16) = 72 * 3.4 = 244.8 s
    assert bpr_time(72.0, 1800, 1800) == pytest.approx(82.8)
    assert bpr_time(72.0, 3600, 1800) == pytest.approx(244.8)
    assert bpr_time(72.0, 0, 1800) == 72.0
    with pytest.raises(ValueError):
        bpr_time(72.0, 100, 0)


def test_a_measured_speed_wins_a_flow_alone_uses_bpr_and_nothing_gives_free_flow():
    assert segment_time(ROAD) == pytest.approx(72.0)
    # 20 km/h measured: 1000 / (20 / 3.6) = 180 s, whatever the flow
    assert segment_time(ROAD, Observation(speed_kmh=20, intensity_vph=600)) == pytest.approx(180)
    # faster than the limit: never below free flow
    assert segment_time(ROAD, Observation(speed_kmh=90)) == pytest.approx(72.0)
    # a standstill reading counts as 3 km/h (1000 / (3 / 3.6) = 1200 s), not as a closure
    assert segment_time(ROAD, Observation(speed_kmh=0.5)) == pytest.approx(1200)
    # flow and no speed (speed 0 means none measured): BPR, v/c = 2700/1800 = 1.5:
    # 72 * (1 + 0.15 * 5.0625) = 72 * 1.759375 = 126.675 s
    assert segment_time(ROAD, Observation(intensity_vph=2700)) == pytest.approx(126.675)
    assert segment_time(ROAD, Observation(speed_kmh=0, intensity_vph=2700)) == pytest.approx(
        126.675)


def test_incidents_close_a_segment_or_scale_its_capacity():
    assert segment_time(ROAD, Observation(speed_kmh=40), 0.0) is None
    # half the capacity, flow 900: v/c = 1 -> 72 * 1.15 = 82.8 s
    assert segment_time(ROAD, Observation(intensity_vph=900), 0.5) == pytest.approx(82.8)
    # half the capacity, nothing measured: 72 / 0.5 = 144 s
    assert segment_time(ROAD, None, 0.5) == pytest.approx(144)
    # a speed measured before the incident (50 km/h, i.e. 72 s) does not hide it
    assert segment_time(ROAD, Observation(speed_kmh=50), 0.25) == pytest.approx(288)
    # a measured crawl slower than the estimate stands: 10 km/h = 360 s
    assert segment_time(ROAD, Observation(speed_kmh=10), 0.5) == pytest.approx(360)


def test_observations_average_fresh_counter_readings_per_segment():
    now = 10_000_000
    readings = [("s1", "speed", now - 1000, 30.0), ("s1", "speed", now - 2000, 50.0),
                ("s1", "intensity", now - 1000, 600.0), ("s2", "intensity", now, 100.0),
                ("s3", "speed", now - 16 * 60_000, 10.0),  # stale: ignored
                ("s2", "occupancy", now, 12.0)]
    result = observations(readings, now)
    assert result == {"s1": Observation(40.0, 600.0, now - 1000),
                      "s2": Observation(None, 100.0, now)}
