"""Population exposure as pure functions: who breathes air of which AQI category.

Each district gets an AQI: the mean of the AQIs of the stations inside it (rounded half up), or,
without a station of its own, the AQI of the nearest station to its centre (marked estimated).
Exposure counts each district's residents in its category and weighs the city AQI by residents.
"""

import math

from smartcity.environment.advice import EPA_CATEGORIES, epa_category

AT_RISK_FROM = 101  # Unhealthy for Sensitive Groups and worse


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance in degrees of latitude — enough to rank stations in a city."""
    lat = math.radians((a[0] + b[0]) / 2)
    return math.hypot(a[0] - b[0], (a[1] - b[1]) * math.cos(lat))


def district_aqi(districts: list[dict], stations: list[dict]) -> list[dict]:
    """districts [{id, name, population, centre: (lat, lon) | None}], stations [{device_id,
    asset_id, aqi | None, location: (lat, lon) | None}] -> districts with aqi and stations."""
    reporting = [s for s in stations if s.get("aqi") is not None]
    result = []
    for district in districts:
        own = [s for s in reporting if s.get("asset_id") == district["id"]]
        entry = {**district, "aqi": None, "stations": [s["device_id"] for s in own],
                 "estimated": False}
        if own:
            entry["aqi"] = math.floor(sum(s["aqi"] for s in own) / len(own) + 0.5)
        elif district.get("centre") and any(s.get("location") for s in reporting):
            nearest = min((s for s in reporting if s.get("location")),
                          key=lambda s: _distance(district["centre"], s["location"]))
            entry.update(aqi=nearest["aqi"], stations=[nearest["device_id"]], estimated=True)
        result.append(entry)
    return result


def population_exposure(districts: list[dict]) -> dict:
    """Residents per AQI category and the resident-weighted AQI of districts [{population,
    aqi | None, ...}]."""
    total = sum(d.get("population") or 0 for d in districts)
    covered = [d for d in districts if d.get("aqi") is not None and d.get("population")]
    covered_population = sum(d["population"] for d in covered)
    by_category = []
    for category in EPA_CATEGORIES:
        members = [d for d in covered if epa_category(d["aqi"]).name == category.name]
        population = sum(d["population"] for d in members)
        by_category.append({"category": category.name, "color": category.color,
                            "population": population,
                            "share": population / covered_population if covered_population
                            else 0.0,
                            "districts": [d["id"] for d in members]})
    weighted = (sum(d["population"] * d["aqi"] for d in covered) / covered_population
                if covered_population else None)
    weighted_category = (epa_category(math.floor(weighted + 0.5)).name if weighted is not None
                         else None)
    return {"population_total": total, "population_covered": covered_population,
            "population_unknown": total - covered_population, "weighted_aqi": weighted,
            "weighted_category": weighted_category,
            "at_risk_population": sum(d["population"] for d in covered
                                      if d["aqi"] >= AT_RISK_FROM),
            "by_category": by_category}
