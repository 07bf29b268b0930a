"""Pure rule evaluation: threshold breaches with for-duration and hysteresis, EWMA z-scores.

Every step function takes a rule spec, the previous state (None at first) and one reading, and
returns the new state and what should happen to the alarm: RAISE (create or repeat), CLEAR or
None. No I/O, so the engine can run them in its hot loop and tests can drive them directly.
"""

import math
import operator
from typing import NamedTuple

OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
             "==": operator.eq, "!=": operator.ne}
RAISE, CLEAR = "raise", "clear"


def breaches(op: str, value: float, threshold: float) -> bool:
    return OPERATORS[op](value, threshold)


def returns_to_normal(op: str, value: float, threshold: float, clear_value: float | None) -> bool:
    """Whether an open alarm may clear: strictly past clear_value, else simply not breaching."""
    if clear_value is None or op in ("==", "!="):
        return not breaches(op, value, threshold)
    return value < clear_value if op in (">", ">=") else value > clear_value


def peak_direction(op: str) -> str | None:
    """Which way the alarm's peak moves: 'max' for rising rules, 'min' for falling ones."""
    if op in (">", ">="):
        return "max"
    if op in ("<", "<="):
        return "min"
    return None


class ThresholdSpec(NamedTuple):
    op: str
    value: float
    clear_value: float | None = None
    for_ms: int = 0


class ThresholdState(NamedTuple):
    open: bool = False  # an alarm is believed open for this rule and originator
    breach_since: int | None = None  # ts of the first reading of the current breach
    last_ts: int = -1


def step_threshold(spec: ThresholdSpec, state: ThresholdState | None, ts: int, value: float):
    """Advance one reading; return (state, RAISE | CLEAR | None)."""
    state = state or ThresholdState()
    if ts <= state.last_ts:  # late or repeated reading: timers only move forward
        return state, None
    if breaches(spec.op, value, spec.value):
        since = ts if state.breach_since is None else state.breach_since
        # An open alarm repeats at once; a new one waits until the breach has lasted for_ms.
        if state.open or ts - since >= spec.for_ms:
            return ThresholdState(True, since, ts), RAISE
        return ThresholdState(False, since, ts), None
    if state.open and returns_to_normal(spec.op, value, spec.value, spec.clear_value):
        return ThresholdState(False, None, ts), CLEAR
    # Inside the hysteresis band an open alarm stays open; a pending breach starts over.
    return ThresholdState(state.open, None, ts), None


def is_idle(state: ThresholdState) -> bool:
    """A state that carries nothing worth keeping in memory."""
    return not state.open and state.breach_since is None


class AnomalySpec(NamedTuple):
    half_life_ms: float
    z_threshold: float
    warmup: int


class EwmaState(NamedTuple):
    mean: float
    var: float
    n: int
    last_ts: int
    open: bool = False


MAX_SCORE = 1e9  # keeps a z-score over a zero variance finite (JSON has no infinity)


def ewma_update(state: EwmaState | None, ts: int, value: float, half_life_ms: float,
                clip: float | None = None) -> EwmaState:
    """Fold one reading into an exponentially weighted mean and variance (time-decayed)."""
    if state is None:
        return EwmaState(value, 0.0, 1, ts)
    # Until the history spans a half-life, weigh every reading alike (a plain running mean and
    # variance); decaying from a zero variance would make the first z-scores huge.
    alpha = max(1.0 - 0.5 ** ((ts - state.last_ts) / half_life_ms), 1.0 / (state.n + 1))
    diff = value - state.mean
    if clip is not None:
        diff = max(-clip, min(clip, diff))
    incr = alpha * diff
    var = (1.0 - alpha) * (state.var + diff * incr)
    return EwmaState(state.mean + incr, var, state.n + 1, ts, state.open)


def z_score(state: EwmaState, value: float) -> float:
    diff = value - state.mean
    if state.var <= 0.0:
        return 0.0 if diff == 0 else math.copysign(MAX_SCORE, diff)
    return max(-MAX_SCORE, min(MAX_SCORE, diff / math.sqrt(state.var)))


def step_anomaly(spec: AnomalySpec, state: EwmaState | None, ts: int, value: float):
    """Score a reading against the history before it; return (state, z or None, action).

    z is None while warming up or for late readings. A flagged reading is folded in clipped
    to the threshold, so one spike neither hides the next one nor drags the mean.
    """
    if state is not None and ts <= state.last_ts:
        return state, None, None
    if state is None or state.n < spec.warmup:
        return ewma_update(state, ts, value, spec.half_life_ms), None, None
    z = z_score(state, value)
    flagged = abs(z) >= spec.z_threshold
    # Over a zero variance there is no scale to clip to: take the reading as it is.
    clip = spec.z_threshold * math.sqrt(state.var) if flagged and state.var > 0 else None
    new = ewma_update(state, ts, value, spec.half_life_ms, clip)
    if flagged:
        return new._replace(open=True), z, RAISE
    if state.open:
        return new._replace(open=False), z, CLEAR
    return new, z, None


def slug(name: str) -> str:
    """The alarm type a rule raises: its name in lowercase words joined by underscores."""
    words = "".join(c if c.isalnum() else " " for c in name.lower()).split()
    return "_".join(words)[:64]
