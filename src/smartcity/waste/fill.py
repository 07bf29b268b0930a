"""A bin's fill rate and time to full from its fill_level history (pure).

A bin fills slowly and is emptied at once: the history is a saw tooth. The emptying events are
found as drops larger than DROP_PCT between consecutive readings (sensor noise is well under a
point), the history is cut there, and only the current segment (since the last emptying) is
fitted. The fit is Theil-Sen (the median of pairwise slopes, Sen 1968), which shrugs off the odd
spurious reading (a lid left open, a bag on the sensor) that would tilt least squares; its
confidence interval for the slope (scipy.stats.theilslopes, Kendall's tau) gives the
uncertainty of the time to full.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import theilslopes

DROP_PCT = 15.0  # a fall this large between two readings is an emptying, not noise
MIN_POINTS = 3
MIN_SPAN_H = 0.5  # a slope over less than this is noise
MAX_POINTS = 200  # Theil-Sen is O(n^2): 27 ms at 432 points, 3 ms at 200 (33 h of readings)
CONFIDENCE = 0.9
FULL_PCT = 100.0
MS_PER_H = 3_600_000


@dataclass(frozen=True)
class FillEstimate:
    level: float | None  # latest reading, %
    rate_pct_h: float | None  # None: too little history since the last emptying
    rate_low: float | None  # CONFIDENCE interval of the rate
    rate_high: float | None
    hours_to_full: float | None  # None: not filling (or unknown)
    hours_low: float | None  # earliest plausible (from rate_high)
    hours_high: float | None  # latest plausible; None: maybe never
    points: int  # readings in the fitted segment
    segment_start: int | None  # ts (ms) of the first reading after the last emptying

    def level_at(self, hours: float) -> float | None:
        """Predicted level after `hours`, capped at 100 %."""
        if self.level is None:
            return None
        return min(FULL_PCT, self.level + max(0.0, self.rate_pct_h or 0.0) * hours)

    def to_dict(self) -> dict:
        r = _round
        return {"level": r(self.level, 1), "rate_pct_h": r(self.rate_pct_h, 3),
                "rate_interval": [r(self.rate_low, 3), r(self.rate_high, 3)],
                "hours_to_full": r(self.hours_to_full),
                "hours_to_full_interval": [r(self.hours_low), r(self.hours_high)],
                "confidence": CONFIDENCE, "points": self.points,
                "segment_start": self.segment_start}


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def current_segment(ts: Sequence[int], levels: Sequence[float],
                    drop: float = DROP_PCT) -> int:
    """Index of the first reading after the last emptying (a fall of more than `drop`)."""
    start = 0
    for i in range(1, len(levels)):
        if levels[i - 1] - levels[i] > drop:
            start = i
    return start


def estimate(ts: Sequence[int], levels: Sequence[float], full: float = FULL_PCT,
             drop: float = DROP_PCT) -> FillEstimate:
    """Fill rate (%/h) over the current segment and hours until `full`, with intervals.

    `ts` are epoch ms in ascending order, `levels` the fill levels in %.
    """
    if len(ts) != len(levels):
        raise ValueError("ts and levels differ in length")
    if not levels:
        return FillEstimate(None, None, None, None, None, None, None, 0, None)
    start = current_segment(ts, levels, drop)
    t = np.asarray(ts[start:], dtype=float)[-MAX_POINTS:]
    y = np.asarray(levels[start:], dtype=float)[-MAX_POINTS:]
    level = float(levels[-1])
    if len(t) < MIN_POINTS or (t[-1] - t[0]) / MS_PER_H < MIN_SPAN_H:
        return FillEstimate(level, None, None, None, None, None, None, len(t), int(ts[start]))
    hours = (t - t[-1]) / MS_PER_H
    slope, _intercept, low, high = theilslopes(y, hours, alpha=CONFIDENCE)
    room = max(0.0, full - level)
    return FillEstimate(level, float(slope), float(low), float(high),
                        _hours(room, slope), _hours(room, high), _hours(room, low),
                        len(t), int(ts[start]))


def _hours(room: float, rate: float) -> float | None:
    if room == 0:
        return 0.0
    if not math.isfinite(rate) or rate <= 0:
        return None
    return float(room / rate)
