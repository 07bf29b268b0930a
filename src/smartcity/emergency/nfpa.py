"""Response-time statistics by the time segments of NFPA 1710 (pure).

NFPA 1710, *Standard for the Organization and Deployment of Fire Suppression Operations,
Emergency Medical Operations, and Special Operations to the Public by Career Fire Departments*
(2020 ed.), chapter 3 defines the segments and 4.1.2 the objectives, each to be met for at
least 90 percent of incidents:
- alarm (call) processing, from the call to the dispatch of units: 64 s (4.1.2.3.3, after
  NFPA 1221);
- turnout, from the dispatch until the unit is en route: 60 s for EMS, 80 s for fire and
  special operations (4.1.2.1(2));
- travel, from en route until on scene: 240 s for the first engine company at a fire and for
  the first unit with first responder/BLS at a medical call (4.1.2.1(3), (6)); 480 s for the
  full first-alarm assignment and for an ALS unit, kept here as reference constants.

From our incident lifecycle (reported -> dispatched -> en_route -> on_scene), taking the first
unit's times: call processing = dispatched - reported, turnout = en_route - dispatched,
travel = on_scene - en_route. Police calls have no NFPA objective; hazmat and flood are special
operations (turnout 80 s, no travel objective in the standard for the first unit).
"""

from collections.abc import Iterable
from datetime import datetime

import numpy as np

CALL_PROCESSING_S = 64
TURNOUT_EMS_S = 60
TURNOUT_FIRE_S = 80
TRAVEL_FIRST_ENGINE_S = 240
TRAVEL_FIRST_RESPONDER_EMS_S = 240
TRAVEL_ALS_S = 480
TRAVEL_FULL_FIRST_ALARM_S = 480
COMPLIANCE_SHARE = 0.90

SEGMENTS = {"call_processing": ("reported", "dispatched"),
            "turnout": ("dispatched", "en_route"),
            "travel": ("en_route", "on_scene"),
            "total_response": ("reported", "on_scene")}
BENCHMARKS = {  # incident type -> segment -> seconds for 90 % of incidents
    "fire": {"call_processing": CALL_PROCESSING_S, "turnout": TURNOUT_FIRE_S,
             "travel": TRAVEL_FIRST_ENGINE_S},
    "medical": {"call_processing": CALL_PROCESSING_S, "turnout": TURNOUT_EMS_S,
                "travel": TRAVEL_FIRST_RESPONDER_EMS_S},
    "hazmat": {"call_processing": CALL_PROCESSING_S, "turnout": TURNOUT_FIRE_S},
    "flood": {"call_processing": CALL_PROCESSING_S, "turnout": TURNOUT_FIRE_S},
}


def _seconds(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return value / 1000.0  # epoch ms


def segments(incident: dict) -> dict[str, float | None]:
    """Seconds per NFPA segment; None where a time is missing or out of order."""
    times = {k: _seconds(incident.get(k)) for k in ("reported", "dispatched", "en_route",
                                                     "on_scene")}
    result = {}
    for name, (start, end) in SEGMENTS.items():
        a, b = times[start], times[end]
        result[name] = b - a if a is not None and b is not None and b >= a else None
    return result


def summarise(values: list[float], benchmark_s: float | None) -> dict:
    """n, median, 90th percentile and, with a benchmark, the share within it."""
    if not values:
        return {"n": 0, "median_s": None, "p90_s": None, "benchmark_s": benchmark_s,
                "compliance": None, "meets": None}
    data = np.asarray(values, dtype=float)
    out = {"n": len(values), "median_s": round(float(np.median(data)), 1),
           "p90_s": round(float(np.percentile(data, 90)), 1), "benchmark_s": benchmark_s,
           "compliance": None, "meets": None}
    if benchmark_s is not None:
        share = float(np.mean(data <= benchmark_s))
        out.update(compliance=round(share, 3), meets=share >= COMPLIANCE_SHARE)
    return out


def statistics(incidents: Iterable[dict], by: tuple[str, ...] = ("type", "district")) -> list:
    """Per group of incidents (by type and district, say): each segment's summary."""
    groups: dict[tuple, dict[str, list[float]]] = {}
    for incident in incidents:
        key = tuple(incident.get(field) for field in by)
        bucket = groups.setdefault(key, {name: [] for name in SEGMENTS})
        for name, value in segments(incident).items():
            if value is not None:
                bucket[name].append(value)
    result = []
    for key in sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        group = dict(zip(by, key, strict=True))
        benchmarks = BENCHMARKS.get(group.get("type"), {})
        result.append({**group, "segments": {
            name: summarise(values, benchmarks.get(name))
            for name, values in groups[key].items()}})
    return result
