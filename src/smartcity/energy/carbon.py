"""Location-based Scope 2 emissions and avoided emissions (pure).

GHG Protocol, *Scope 2 Guidance* (WRI/WBCSD 2015), chapter 6: the location-based method
multiplies the electricity a reporter takes from the grid by the average emission factor of
that grid,

    E = Σ_t  grid import_t (kWh) × EF_t (kg CO2e/kWh)

with one annual factor, or, where the grid operator publishes them, factors per hour (the
Guidance prefers the most granular factor available). Electricity the city generates and uses
itself is not imported and carries no Scope 2 emissions (its own generation is zero-emission
here: solar and wind). Electricity it exports does not reduce Scope 2.

Avoided emissions are reported apart from the inventory, never subtracted from it (Scope 2
Guidance 7.5): here the local generation valued at the grid factor of the hour it ran.
"""

import numpy as np


def factors_for(hours, factor: float, profile=None) -> np.ndarray:
    """The emission factor of each hour: `profile` (24 values by local hour) or one `factor`."""
    hours = np.asarray(hours, dtype=int)
    if profile is None:
        return np.full(hours.shape, float(factor))
    profile = np.asarray(profile, dtype=float)
    if profile.shape != (24,) or np.any(profile < 0):
        raise ValueError("an hourly factor profile has 24 non-negative values")
    return profile[hours % 24]


def grid_import(consumption_kwh, generation_kwh=None) -> np.ndarray:
    """Energy taken from the grid each interval: consumption not covered by own generation."""
    c = np.asarray(consumption_kwh, dtype=float)
    if generation_kwh is None:
        return np.maximum(c, 0.0)
    return np.maximum(c - np.asarray(generation_kwh, dtype=float), 0.0)


def location_based(import_kwh, factors) -> float:
    """Scope 2 location-based emissions, kg CO2e: Σ import × factor."""
    imp, ef = np.asarray(import_kwh, dtype=float), np.asarray(factors, dtype=float)
    if imp.shape != ef.shape:
        raise ValueError("one factor per interval")
    if np.any(imp < 0):
        raise ValueError("grid import cannot be negative")
    return float(np.sum(imp * ef))


def avoided(generation_kwh, factors) -> float:
    """Emissions the grid would have caused for the local generation, kg CO2e (not Scope 2)."""
    gen, ef = np.asarray(generation_kwh, dtype=float), np.asarray(factors, dtype=float)
    if gen.shape != ef.shape:
        raise ValueError("one factor per interval")
    return float(np.sum(np.maximum(gen, 0.0) * ef))


def carbon(consumption_kwh, generation_kwh, hours, factor: float, profile=None) -> dict:
    """Import, emissions, avoided emissions and intensities of one hourly series, kg CO2e."""
    consumption = np.asarray(consumption_kwh, dtype=float)
    generation = np.zeros_like(consumption) if generation_kwh is None \
        else np.asarray(generation_kwh, dtype=float)
    ef = factors_for(hours, factor, profile)
    imported = grid_import(consumption, generation)
    emissions = location_based(imported, ef)
    total = float(np.sum(consumption))
    return {"consumption_kwh": round(total, 3), "generation_kwh": round(float(generation.sum()), 3),
            "grid_import_kwh": round(float(imported.sum()), 3),
            "emissions_kg": round(emissions, 3),
            "avoided_kg": round(avoided(generation, ef), 3),
            "intensity_kg_per_kwh": round(emissions / total, 5) if total > 0 else None,
            "factor": "hourly profile" if profile is not None else float(factor)}
