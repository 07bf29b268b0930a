"""Recycling rate and collection cost (pure).

Recycling rate by weight as Commission Decision 2011/753/EU, Annex I, calculation method 4
defines it for municipal waste: municipal waste recycled / municipal waste generated, both in
tonnes. What we weigh is what the trucks collect: every stream is waste generated; the
separately collected streams (recycling, organic, glass) count as recycled less what the
sorting or composting plant rejects (the Decision counts material entering recycling, so
rejects are subtracted when known). General waste counts as generated, never as recycled.

Cost of a collection from a configurable model: fuel (litres per km x price), crew (people x
hours x hourly rate) and the tipping fee per tonne delivered.
"""

from collections.abc import Mapping
from dataclasses import dataclass

STREAMS = ("general", "recycling", "organic", "glass")
RECYCLED_STREAMS = ("recycling", "organic", "glass")


def recycling_rate(collected_kg: Mapping[str, float],
                   rejected_kg: Mapping[str, float] | None = None) -> float | None:
    """Share (0-1) of collected weight that is recycled; None when nothing was collected."""
    generated = sum(collected_kg.values())
    if generated <= 0:
        return None
    rejected = rejected_kg or {}
    recycled = sum(max(0.0, collected_kg.get(s, 0.0) - rejected.get(s, 0.0))
                   for s in RECYCLED_STREAMS)
    return recycled / generated


@dataclass(frozen=True)
class CostModel:
    fuel_l_per_km: float = 0.5  # a 26 t refuse truck in stop-and-go collection
    fuel_price_per_l: float = 1.6
    crew_size: int = 2
    crew_rate_per_h: float = 30.0  # per person
    tipping_fee_per_t: float = 90.0

    @classmethod
    def from_config(cls, settings: Mapping | None) -> "CostModel":
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (settings or {}).items() if k in known})

    def cost(self, km: float, hours: float, tonnes: float) -> dict:
        """Cost of one collection (or a sum of them) by part, in the model's currency."""
        fuel = km * self.fuel_l_per_km * self.fuel_price_per_l
        crew = hours * self.crew_size * self.crew_rate_per_h
        tipping = tonnes * self.tipping_fee_per_t
        total = fuel + crew + tipping
        return {"fuel": round(fuel, 2), "crew": round(crew, 2), "tipping": round(tipping, 2),
                "total": round(total, 2),
                "per_tonne": round(total / tonnes, 2) if tonnes > 0 else None}
