"""The emergency KPIs for analytics: response time and NFPA 1710 turnout and travel compliance.

Incidents count in the period they were reported in, with the first dispatched unit's times
(nfpa.segments). Response time runs from the call (reported) to the first unit on scene, as
ISO 37120:2018 words its safety indicators ("response time ... from initial call"); an incident
never reached (cancelled, still open) has none and is left out. Compliance is NFPA 1710's
measure: the share of incidents whose segment is within the objective of their type
(nfpa.BENCHMARKS; turnout 60 s EMS, 80 s fire and special operations; travel 240 s for the
first unit at fire and medical calls), to be met for 90 % of incidents. Types without an
objective for a segment (police; travel of hazmat and flood) do not count in it.
"""

from collections.abc import Iterable

import numpy as np

from smartcity.emergency import incidents, nfpa


def median_response_s(records: Iterable[dict]) -> float | None:
    """Median seconds from call to first unit on scene (pure); None without one."""
    times = [s["total_response"] for s in map(nfpa.segments, records)
             if s["total_response"] is not None]
    return round(float(np.median(times)), 1) if times else None


def compliance_pct(records: Iterable[dict], segment: str) -> float | None:
    """% of incidents with an NFPA 1710 objective for the segment that met it (pure)."""
    met = []
    for record in records:
        objective = nfpa.BENCHMARKS.get(record["type"], {}).get(segment)
        value = nfpa.segments(record)[segment]
        if objective is not None and value is not None:
            met.append(value <= objective)
    return round(100 * sum(met) / len(met), 1) if met else None


def records(start: int, end: int) -> list[dict]:
    return [incidents.nfpa_record(r) for r in incidents.between(start, end)]


def median_response(start: int, end: int) -> float | None:
    return median_response_s(records(start, end))


def turnout_compliance(start: int, end: int) -> float | None:
    return compliance_pct(records(start, end), "turnout")


def travel_compliance(start: int, end: int) -> float | None:
    return compliance_pct(records(start, end), "travel")
