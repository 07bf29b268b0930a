"""Asset queries and their GeoJSON form; listeners told when a city is stored."""

import logging

from flask import current_app
from sqlalchemy import select

from smartcity.assets.models import Asset
from smartcity.assets.schemas import LAYERS
from smartcity.devices import service as devices
from smartcity.devices.models import Device
from smartcity.errors import not_found
from smartcity.extensions import db
from smartcity.timeutil import iso

log = logging.getLogger(__name__)
CITY_LISTENERS = "smartcity.city_listeners"


def add_city_listener(app, listener) -> None:
    """Call listener(city_id) once a city's assets are stored (domains add their defaults)."""
    app.extensions.setdefault(CITY_LISTENERS, []).append(listener)


def city_stored(city_id: str) -> None:
    """Tell the city listeners; one failing listener stops nothing."""
    for listener in current_app.extensions.get(CITY_LISTENERS, []):
        try:
            listener(city_id)
        except Exception:
            log.exception("city listener %r failed", listener)
            db.session.rollback()


def get_asset(asset_id: str) -> Asset:
    asset = db.session.get(Asset, asset_id)
    if asset is None:
        raise not_found("asset")
    return asset


def list_query(args: dict):
    stmt = select(Asset)
    if args.get("type"):
        stmt = stmt.where(Asset.type == args["type"])
    if args.get("parent_id"):
        stmt = stmt.where(Asset.parent_id == args["parent_id"])
    return stmt


def children(asset_id: str) -> dict:
    """Ids of the assets and devices that belong to an asset."""
    assets = db.session.scalars(select(Asset.id).where(Asset.parent_id == asset_id)
                                .order_by(Asset.id)).all()
    device_ids = db.session.scalars(select(Device.id).where(Device.asset_id == asset_id)
                                    .order_by(Device.id)).all()
    return {"assets": list(assets), "devices": list(device_ids)}


def asset_to_dict(asset: Asset) -> dict:
    return {"id": asset.id, "type": asset.type, "name": asset.name, "geometry": asset.geometry,
            "properties": asset.properties or {}, "parent_id": asset.parent_id,
            "created_at": iso(asset.created_at)}


def feature(asset: Asset) -> dict:
    return {"type": "Feature", "id": asset.id, "geometry": asset.geometry,
            "properties": {"type": asset.type, "name": asset.name, "parent_id": asset.parent_id,
                           **(asset.properties or {})}}


def device_feature(device: Device) -> dict:
    location = device.location or {}
    geometry = ({"type": "Point", "coordinates": [location["lon"], location["lat"]]}
                if "lat" in location and "lon" in location else None)
    return {"type": "Feature", "id": device.id, "geometry": geometry,
            "properties": {"type": device.type, "name": device.name, "domain": device.domain,
                           "status": device.status, "connectivity": devices.connectivity(device),
                           "asset_id": device.asset_id, "last_seen": iso(device.last_seen),
                           "kind": (device.meta or {}).get("kind")}}


def layer(name: str, args: dict) -> dict:
    """One layer of the city map as a GeoJSON FeatureCollection."""
    if name == "devices":
        stmt = select(Device).order_by(Device.id)
        if args.get("type"):
            stmt = stmt.where(Device.type == args["type"])
        features = [device_feature(d) for d in db.session.scalars(stmt)]
    else:
        rows = db.session.scalars(select(Asset).where(Asset.type.in_(LAYERS[name]))
                                  .order_by(Asset.type, Asset.id))
        if "signalised" in args:
            rows = [a for a in rows if bool((a.properties or {}).get("signalised"))
                    == args["signalised"]]
        features = [feature(a) for a in rows]
    return {"type": "FeatureCollection", "layer": name, "features": features}
