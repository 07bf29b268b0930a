"""The grid as the energy domain sees it: feeders with their capacity, the meters, generators
and batteries on them, and the district and sector each belongs to (plain dicts).

How the demo city (and a real distribution grid) measures: a feeder-head meter reads the net
flow into its feeder, i.e. the feeder's demand minus what the generators on that feeder produce;
other meters (large consumers) are their own supply points and read their own demand. So:

    demand of a feeder head = its reading + the generation on its feeder
    consumption of a group  = Σ its meters' readings + the generation behind its feeder heads
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from smartcity.assets.models import Asset
from smartcity.devices.models import Device
from smartcity.extensions import db

METER, GENERATOR, BATTERY, WEATHER = "energy_meter", "generator", "battery", "weather_station"
SECTORS = ("residential", "commercial", "public", "industrial", "other")
DEFAULT_SECTOR = {"feeder_head": "residential", "consumer": "commercial"}


@dataclass
class Grid:
    feeders: dict[str, dict] = field(default_factory=dict)
    substations: dict[str, dict] = field(default_factory=dict)
    districts: dict[str, dict] = field(default_factory=dict)
    meters: dict[str, dict] = field(default_factory=dict)
    generators: dict[str, dict] = field(default_factory=dict)
    batteries: dict[str, dict] = field(default_factory=dict)

    def head_of(self, feeder_id: str | None) -> str | None:
        """The feeder-head meter of a feeder, if it has one."""
        feeder = self.feeders.get(feeder_id or "")
        return feeder["head"] if feeder else None

    def behind(self, meter_id: str) -> list[str]:
        """Generators whose output a feeder-head meter's reading is net of."""
        meter = self.meters[meter_id]
        if not meter["head"]:
            return []
        return [g for g, gen in self.generators.items() if gen["feeder"] == meter["feeder"]]

    def group_of(self, meter_id: str, group_by: str) -> str:
        meter = self.meters[meter_id]
        key = {"district": "district", "sector": "sector", "meter": "id",
               "feeder": "feeder"}[group_by]
        return meter[key] or "unassigned"


def _district(asset: Asset | None, assets: dict[str, Asset]) -> str | None:
    seen = set()
    while asset is not None and asset.id not in seen:
        seen.add(asset.id)
        if asset.type == "district":
            return asset.id
        if (asset.properties or {}).get("district"):
            return asset.properties["district"]
        asset = assets.get(asset.parent_id or "")
    return None


def _sector(device: Device) -> str:
    meta = device.meta or {}
    sector = meta.get("sector") or DEFAULT_SECTOR.get(meta.get("role"), "other")
    return sector if sector in SECTORS else "other"


def load_grid() -> Grid:
    """Read the grid's assets and energy devices (a few dozen rows)."""
    assets = {a.id: a for a in db.session.scalars(select(Asset).where(
        Asset.type.in_(("feeder", "substation", "district", "city"))))}
    grid = Grid()
    for a in assets.values():
        props = a.properties or {}
        if a.type == "district":
            grid.districts[a.id] = {"id": a.id, "name": a.name}
        elif a.type == "substation":
            grid.substations[a.id] = {"id": a.id, "name": a.name, "feeders": []}
        elif a.type == "feeder":
            grid.feeders[a.id] = {
                "id": a.id, "name": a.name, "substation": props.get("substation") or a.parent_id,
                "district": _district(a, assets), "capacity_kw": props.get("capacity_kw"),
                "head": None}
    for f in grid.feeders.values():
        if f["substation"] in grid.substations:
            grid.substations[f["substation"]]["feeders"].append(f["id"])
    devices = db.session.scalars(select(Device).where(
        Device.type.in_((METER, GENERATOR, BATTERY))).order_by(Device.id))
    for d in devices:
        meta, asset = d.meta or {}, assets.get(d.asset_id or "")
        feeder = d.asset_id if d.asset_id in grid.feeders else None
        base = {"id": d.id, "name": d.name, "feeder": feeder, "district": _district(asset, assets)}
        if d.type == METER:
            head = meta.get("role") == "feeder_head" and feeder is not None
            grid.meters[d.id] = base | {"sector": _sector(d), "role": meta.get("role"),
                                        "head": head}
            if head and grid.feeders[feeder]["head"] is None:
                grid.feeders[feeder]["head"] = d.id
        elif d.type == GENERATOR:
            grid.generators[d.id] = base | {"kind": meta.get("kind", "other"),
                                            "capacity_kw": meta.get("capacity_kw")}
        else:
            substation = d.asset_id if d.asset_id in grid.substations else None
            grid.batteries[d.id] = base | {
                "substation": substation, "capacity_kwh": meta.get("capacity_kwh"),
                "max_kw": meta.get("max_kw"), "status": d.status}
    return grid
