"""Congestion per segment and for the city: Travel Time Index, levels, HCM level of service (pure).

Travel Time Index (TTI) = actual travel time / free-flow travel time = free-flow speed / actual
speed (Texas A&M Transportation Institute, *Urban Mobility Report*; FHWA congestion measures).

Levels and LOS share one source, so a map coloured by level and a table of LOS agree: the
Highway Capacity Manual, 6th ed. (TRB 2016), Exhibit 16-8, grades an urban street by its travel
speed as a share of the base free-flow speed:

    LOS  speed / base FFS   TTI
    A    > 80 %             < 1.25
    B    > 67-80 %          1.25-1.49
    C    > 50-67 %          1.49-2.0
    D    > 40-50 %          2.0-2.5
    E    > 30-40 %          2.5-3.33
    F    <= 30 %, or a volume-to-capacity ratio above 1.0

Our five levels merge E and F: free (A), light (B), moderate (C), heavy (D), severe (E-F).
The base free-flow speed here is the segment's free-flow speed (its limit); HCM's base FFS also
adjusts for access points and cross-section, which the city's assets do not describe.
"""

from collections.abc import Iterable

# (level, LOS, lowest speed share that still belongs to it): HCM 6th ed., Exhibit 16-8
LOS_SPEED_SHARES = (("A", 0.80), ("B", 0.67), ("C", 0.50), ("D", 0.40), ("E", 0.30))
LEVELS = ("free", "light", "moderate", "heavy", "severe")
LEVEL_OF_LOS = {"A": "free", "B": "light", "C": "moderate", "D": "heavy", "E": "severe",
                "F": "severe"}


def travel_time_index(actual_s: float, free_flow_s: float) -> float:
    """Actual over free-flow travel time; never below 1 (faster than free flow is free flow)."""
    if free_flow_s <= 0 or actual_s <= 0:
        raise ValueError("travel times must be positive")
    return max(1.0, actual_s / free_flow_s)


def level_of_service(speed_share: float, vc_ratio: float | None = None) -> str:
    """HCM urban-street LOS from speed / base free-flow speed (and v/c when known)."""
    if vc_ratio is not None and vc_ratio > 1.0:
        return "F"
    speed_share = round(speed_share, 6)  # 15 / 50 km/h is 30 %, not 30.0000001 %
    for los, lowest in LOS_SPEED_SHARES:
        if speed_share > lowest:
            return los
    return "F"


def congestion(actual_s: float, free_flow_s: float, vc_ratio: float | None = None) -> dict:
    """TTI, LOS and level of one segment."""
    tti = travel_time_index(actual_s, free_flow_s)
    los = level_of_service(1 / tti, vc_ratio)
    return {"tti": round(tti, 3), "los": los, "level": LEVEL_OF_LOS[los]}


def city_index(segments: Iterable[dict]) -> float | None:
    """The city's TTI: segments' TTIs weighted by vehicle-km (length x flow) where every
    segment has a flow, else by length. Items: {tti, length_m, flow_vph?}. None when empty.

    Weighting by vehicle-km is how the Urban Mobility Report aggregates TTI over a network:
    a jam on a busy arterial weighs more than the same delay on an empty side street.
    """
    items = list(segments)
    if not items:
        return None
    by_vkt = all(s.get("flow_vph") is not None for s in items) and \
        sum(s["flow_vph"] * s["length_m"] for s in items) > 0
    weights = [s["length_m"] * (s["flow_vph"] if by_vkt else 1.0) for s in items]
    total = sum(weights)
    if total <= 0:
        return None
    return round(sum(w * s["tti"] for w, s in zip(weights, items, strict=True)) / total, 3)


def city_level(index: float | None) -> str | None:
    """The level of a city index, on the same TTI bands as a segment."""
    return None if index is None else LEVEL_OF_LOS[level_of_service(1 / index)]
