"""Travel time per segment from what the counters saw and from incidents (pure).

For each segment, in this order:
1. a measured mean speed: length / speed, never below the free-flow time, so that a reading above
   the limit does not make a road look faster than its design speed (a speed of 0 means no
   vehicle passed to be measured, not a queue: it counts as no speed);
2. a measured flow without a speed: the BPR volume-delay curve t = t0 (1 + 0.15 (v/c)^4)
   (Bureau of Public Roads, *Traffic Assignment Manual*, 1964);
3. nothing measured: the free-flow time t0 = length / speed limit.

An incident leaves a share of the capacity (0 closes the segment, both ways). With a flow the
BPR curve runs on the reduced capacity; without one the free-flow time is divided by the share
(half the lanes open: twice the time), a plain heuristic. A speed measured before the incident
may not show it yet, so the larger of the measured and the incident estimate counts.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from smartcity.roads.graph import Segment

BPR_ALPHA, BPR_BETA = 0.15, 4
MIN_SPEED_KMH = 3.0  # a mean speed below this is stop-and-go, not a closure
MAX_AGE_MS = 15 * 60_000  # older counter readings describe another traffic state


@dataclass(frozen=True)
class Observation:
    """What the counters of one segment saw lately (per direction, as counters report)."""
    speed_kmh: float | None = None
    intensity_vph: float | None = None
    ts: int | None = None


def bpr_time(free_flow_s: float, volume_vph: float, capacity_vph: float,
             alpha: float = BPR_ALPHA, beta: float = BPR_BETA) -> float:
    """BPR volume-delay function: t0 * (1 + alpha * (v / c)^beta)."""
    if capacity_vph <= 0:
        raise ValueError("capacity must be positive")
    return free_flow_s * (1 + alpha * (max(volume_vph, 0.0) / capacity_vph) ** beta)


def segment_time(seg: Segment, obs: Observation | None = None,
                 capacity_share: float = 1.0) -> float | None:
    """Seconds to drive the segment now, or None when it is closed."""
    if capacity_share <= 0:
        return None
    t0 = seg.free_flow_s
    share = min(capacity_share, 1.0)
    has_flow = obs is not None and obs.intensity_vph is not None and obs.intensity_vph >= 0
    modelled = bpr_time(t0, obs.intensity_vph, seg.capacity_vph * share) if has_flow \
        else t0 / share
    if obs is not None and obs.speed_kmh is not None and obs.speed_kmh > 0:
        measured = max(t0, seg.length_m / (max(obs.speed_kmh, MIN_SPEED_KMH) / 3.6))
        return measured if share == 1.0 else max(measured, modelled)
    return modelled


def segment_times(segments: Iterable[Segment], observations: Mapping[str, Observation],
                  capacity_shares: Mapping[str, float] | None = None) -> dict[str, float | None]:
    """segment_time for every segment; capacity_shares holds the segments an incident touches."""
    shares = capacity_shares or {}
    return {seg.id: segment_time(seg, observations.get(seg.id), shares.get(seg.id, 1.0))
            for seg in segments}


def observations(readings: Iterable[tuple[str, str, int, float]], now_ms: int,
                 max_age_ms: int = MAX_AGE_MS) -> dict[str, Observation]:
    """Per segment, the mean of its counters' fresh `speed` and `intensity` readings.

    readings: (segment id, key, ts ms, value). Counters on one segment may face either way; a
    segment has one time for both directions, so their mean stands for both.
    """
    sums: dict[str, dict[str, list[float]]] = {}
    newest: dict[str, int] = {}
    for segment_id, key, ts, value in readings:
        if value is None or now_ms - ts > max_age_ms or key not in ("speed", "intensity"):
            continue
        sums.setdefault(segment_id, {}).setdefault(key, []).append(float(value))
        newest[segment_id] = max(ts, newest.get(segment_id, ts))

    def mean(values):
        return sum(values) / len(values) if values else None

    return {seg: Observation(mean(keys.get("speed", [])), mean(keys.get("intensity", [])),
                             newest[seg]) for seg, keys in sums.items()}
