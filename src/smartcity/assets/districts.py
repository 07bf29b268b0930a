"""Districts: the assets that devices, alarms and reports are grouped by."""

from sqlalchemy import select

from smartcity.assets.models import Asset
from smartcity.extensions import db


def districts() -> dict[str, dict]:
    """Every district asset: {id: {id, name, kind, population, centre (lat, lon)}}."""
    return {a.id: {"id": a.id, "name": a.name, "kind": (a.properties or {}).get("kind"),
                   "population": (a.properties or {}).get("population"),
                   "centre": centre(a.geometry)}
            for a in db.session.scalars(select(Asset).where(Asset.type == "district")
                                        .order_by(Asset.id))}


def centre(geometry: dict | None) -> tuple[float, float] | None:
    """Mean vertex of a polygon's outer ring, or a point: (lat, lon)."""
    if not geometry:
        return None
    if geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"][:2]
        return lat, lon
    if geometry.get("type") == "Polygon":
        ring = geometry["coordinates"][0][:-1] or geometry["coordinates"][0]
        return (sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring))
    return None


def district_of(device, known: dict[str, dict]) -> dict | None:
    """The district a device belongs to: its asset, or the nearest district above it.

    `known` is districts(), read once per request rather than once per device."""
    asset_id, seen = device.asset_id, set()
    while asset_id and asset_id not in known and asset_id not in seen:
        seen.add(asset_id)
        asset = db.session.get(Asset, asset_id)
        asset_id = asset.parent_id if asset is not None else None
    return known.get(asset_id) if asset_id else None
