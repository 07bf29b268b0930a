"""The water network as stored: DMAs (assets of type "dma") and their devices, grouped once.

A DMA's inlet meter is its water_meter with metadata role "inlet"; meters with role "bulk" are
metered non-household customers inside it; every pressure_sensor of the DMA counts for its
pressure (the critical point and, in some DMAs, the inlet).
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from smartcity.assets.districts import centre
from smartcity.assets.models import Asset
from smartcity.devices.service import devices_of, location
from smartcity.extensions import db

METER, PRESSURE, VALVE, QUALITY = ("water_meter", "pressure_sensor", "water_valve",
                                   "water_quality_sensor")
DEVICE_TYPES = (METER, PRESSURE, VALVE, QUALITY)
BAR_TO_M = 10.197  # metres of water head per bar


@dataclass
class Dma:
    id: str
    name: str
    geometry: dict | None
    properties: dict
    inlets: list[str] = field(default_factory=list)
    bulk: list[str] = field(default_factory=list)
    pressure: list[str] = field(default_factory=list)
    valves: list[str] = field(default_factory=list)
    quality: list[str] = field(default_factory=list)
    locations: dict = field(default_factory=dict)

    @property
    def population(self) -> int:
        return int(self.properties.get("population") or 0)

    def public(self) -> dict:
        p = self.properties
        return {"id": self.id, "name": self.name, "population": self.population,
                "mains_km": p.get("mains_km"), "connections": p.get("connections"),
                "mean_demand_m3h": p.get("mean_demand_m3h"),
                "pressure_target_bar": p.get("pressure_target_bar"),
                "centre": centre(self.geometry), "geometry": self.geometry,
                "devices": {"inlet_meters": self.inlets, "bulk_meters": self.bulk,
                            "pressure_sensors": self.pressure, "valves": self.valves,
                            "quality_sensors": self.quality},
                "locations": self.locations}


def load_dmas() -> list[Dma]:
    """Every DMA with its devices, by id."""
    found = {a.id: Dma(a.id, a.name, a.geometry, a.properties or {})
             for a in db.session.scalars(select(Asset).where(Asset.type == "dma")
                                         .order_by(Asset.id))}
    for device in devices_of(DEVICE_TYPES):
        dma = found.get(device.asset_id)
        if dma is None:
            continue
        role = (device.meta or {}).get("role")
        if device.type == METER:
            (dma.bulk if role == "bulk" else dma.inlets).append(device.id)
        elif device.type == PRESSURE:
            dma.pressure.append(device.id)
        elif device.type == VALVE:
            dma.valves.append(device.id)
        else:
            dma.quality.append(device.id)
        dma.locations[device.id] = location(device)
    return sorted(found.values(), key=lambda d: _natural(d.id))


def _natural(text: str):
    """dma-2 before dma-10."""
    head, _, tail = text.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (text, 0)
