"""Pure rule evaluation: operators, hysteresis, for-duration, EWMA z-scores."""

import math
import random

import pytest

from smartcity.alerts.rules import (
    CLEAR,
    RAISE,
    AnomalySpec,
    ThresholdSpec,
    breaches,
    ewma_update,
    returns_to_normal,
    slug,
    step_anomaly,
    step_threshold,
)

T0 = 1_700_000_000_000
FIVE_MIN = 300_000


def run_threshold(spec, values, step_ms=1000):
    state, actions = None, []
    for i, value in enumerate(values):
        state, action = step_threshold(spec, state, T0 + i * step_ms, value)
        actions.append(action)
    return state, actions


@pytest.mark.parametrize("op, value, threshold, expected", [
    (">", 101, 100, True), (">", 100, 100, False), (">=", 100, 100, True),
    ("<", 9, 10, True), ("<", 10, 10, False), ("<=", 10, 10, True),
    ("==", 1, 1, True), ("==", 0, 1, False), ("!=", 0, 1, True), ("!=", 1, 1, False)])
def test_every_operator_breaches_as_written(op, value, threshold, expected):
    assert breaches(op, value, threshold) is expected


def test_clear_value_must_be_crossed_strictly_and_defaults_to_not_breaching():
    assert not returns_to_normal(">", 95, 100, 90)
    assert not returns_to_normal(">", 90, 100, 90)
    assert returns_to_normal(">", 89.9, 100, 90)
    assert returns_to_normal("<", 16, 10, 15) and not returns_to_normal("<", 12, 10, 15)
    assert returns_to_normal(">", 100, 100, None) and not returns_to_normal(">=", 100, 100, None)
    assert returns_to_normal("==", 2, 1, None)


def test_breach_raises_repeats_and_clears_only_below_clear_value():
    spec = ThresholdSpec(">", 100, 90)
    state, actions = run_threshold(spec, [50, 120, 130, 95, 110, 91, 89, 95])
    assert actions == [None, RAISE, RAISE, None, RAISE, None, CLEAR, None]
    assert not state.open


def test_falling_rule_with_hysteresis():
    _, actions = run_threshold(ThresholdSpec("<", 10, 15), [20, 5, 12, 16, 12])
    assert actions == [None, RAISE, None, CLEAR, None]


def test_for_duration_needs_the_breach_to_persist():
    spec = ThresholdSpec(">", 100, None, for_ms=3000)
    _, actions = run_threshold(spec, [120, 120, 120, 120, 120])
    assert actions == [None, None, None, RAISE, RAISE]


def test_a_dip_restarts_the_for_duration_timer():
    spec = ThresholdSpec(">", 100, None, for_ms=2000)
    _, actions = run_threshold(spec, [120, 120, 50, 120, 120, 120])
    assert actions == [None, None, None, None, None, RAISE]


def test_late_readings_do_not_move_timers():
    spec = ThresholdSpec(">", 100)
    state, _ = step_threshold(spec, None, T0 + 5000, 120)
    later, action = step_threshold(spec, state, T0 + 1000, 50)
    assert later == state and action is None


def daily_sine(days=3, noise=1.0, seed=7):
    rng = random.Random(seed)
    for i in range(days * 288):
        ts = T0 + i * FIVE_MIN
        yield ts, 50 + 20 * math.sin(2 * math.pi * i / 288) + rng.gauss(0, noise)


def test_ewma_does_not_flag_a_smooth_daily_cycle():
    spec, state, flagged = AnomalySpec(3_600_000, 4.0, 30), None, []
    for ts, value in daily_sine():
        state, z, action = step_anomaly(spec, state, ts, value)
        if action == RAISE:
            flagged.append((ts, z))
    assert flagged == []


def test_ewma_flags_a_spike_and_clears_on_the_next_normal_reading():
    spec, state = AnomalySpec(3_600_000, 4.0, 30), None
    for ts, value in daily_sine():
        state, _, _ = step_anomaly(spec, state, ts, value)
    spike_ts = ts + FIVE_MIN
    state, z, action = step_anomaly(spec, state, spike_ts, value + 60)
    assert action == RAISE and z > 4 and state.open
    state, z, action = step_anomaly(spec, state, spike_ts + FIVE_MIN, value)
    assert action == CLEAR and abs(z) < 4 and not state.open


def test_ewma_stays_silent_while_warming_up():
    spec, state = AnomalySpec(3_600_000, 3.0, 10), None
    for i, value in enumerate([10, 10, 11, 10, 500, 10]):
        state, z, action = step_anomaly(spec, state, T0 + i * FIVE_MIN, value)
        assert z is None and action is None


def test_a_spike_is_clipped_so_it_does_not_mask_the_next_one():
    spec, state = AnomalySpec(3_600_000, 4.0, 30), None
    for ts, value in daily_sine(days=1):
        state, _, _ = step_anomaly(spec, state, ts, value)
    state, _, first = step_anomaly(spec, state, ts + FIVE_MIN, 200)
    state, _, second = step_anomaly(spec, state, ts + 2 * FIVE_MIN, 200)
    assert first == RAISE and second == RAISE


def test_a_step_after_a_constant_signal_flags_then_adapts():
    spec, state = AnomalySpec(600_000, 4.0, 5), None
    for i in range(20):
        state, _, _ = step_anomaly(spec, state, T0 + i * 60_000, 5.0)
    actions = []
    for i in range(20, 200):
        state, _, action = step_anomaly(spec, state, T0 + i * 60_000, 6.0)
        actions.append(action)
    assert actions[0] == RAISE and actions[-1] is None


def test_ewma_mean_follows_the_half_life():
    state = ewma_update(None, T0, 0.0, 60_000)
    state = ewma_update(state, T0 + 60_000, 10.0, 60_000)
    assert state.mean == pytest.approx(5.0) and state.n == 2


def test_slug_is_the_alarm_type():
    assert slug("PM2.5 high (station)") == "pm2_5_high_station"
    assert slug("!!!") == ""
