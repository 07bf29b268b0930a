"""Store the demo city in the app: assets, devices (through the device service, like the API),
and a service account for the simulator; their secrets go to instance/demo-keys.json (0600)."""

from pathlib import Path

from sqlalchemy import func, select

from smartcity.assets.models import Asset
from smartcity.assets.service import city_stored
from smartcity.audit.service import record
from smartcity.auth import service as auth
from smartcity.auth.models import ServiceAccount
from smartcity.database import utcnow
from smartcity.devices import service as devices
from smartcity.devices.models import Device
from smartcity.devices.schemas import device_create_schema
from smartcity.extensions import db
from smartcity.simulator.city import CITY_ID, generate_city
from smartcity.simulator.keyfile import write_secret
from smartcity.simulator.model import City

DEFAULT_SEED = 42
SERVICE_ACCOUNT = "simulator"


def _parents_first(city: City) -> list:
    def depth(asset) -> int:
        n = 0
        while asset.parent_id:
            asset, n = city.assets[asset.parent_id], n + 1
        return n

    return sorted(city.assets.values(), key=depth)


def _service_account_token() -> tuple[str, str]:
    taken = set(db.session.scalars(select(ServiceAccount.name)))
    name = SERVICE_ACCOUNT
    n = 1
    while name in taken:
        n += 1
        name = f"{SERVICE_ACCOUNT}-{n}"
    _account, token = auth.create_service_account(
        {"name": name, "role": "operator",
         "description": "demo city simulator: backfills history through the batch API"}, None)
    return name, token


def seed_city(keys_path: Path, seed: int = DEFAULT_SEED) -> dict | None:
    """Store the city when the database has no assets and no devices; None when it did nothing.

    A city already stored whose keys file is lost gets new device keys and a new token.
    """
    stored = db.session.get(Asset, CITY_ID)
    if stored is not None:
        return None if Path(keys_path).is_file() else _reissue(keys_path, stored)
    if db.session.scalar(select(func.count(Device.id))) or db.session.scalar(
            select(func.count(Asset.id))):
        return None  # someone's real city: never mix the demo into it
    city = generate_city(seed)
    db.session.add_all(Asset(id=a.id, type=a.type, name=a.name, geometry=a.geometry,
                             properties=a.properties, parent_id=a.parent_id)
                       for a in _parents_first(city))
    db.session.flush()
    keys = {}
    for spec in sorted(city.devices, key=lambda s: s.gateway_id is not None):
        device, keys[spec.id] = devices.create_device(device_create_schema.load(spec.api_body()))
    name, token = _service_account_token()
    record("city.seeded", "asset", CITY_ID, {"seed": seed, "assets": len(city.assets),
                                             "devices": len(keys)})
    db.session.commit()
    city_stored(CITY_ID)  # domains add their defaults (the environment's alarm rules)
    summary = {"seed": seed, "city": city.assets[CITY_ID].name,
               "service_account": {"name": name, "token": token}, "devices": keys}
    write_secret(Path(keys_path), summary)
    return summary


def _reissue(keys_path: Path, city_asset: Asset) -> dict:
    seed = int((city_asset.properties or {}).get("seed", DEFAULT_SEED))
    ids = [spec.id for spec in generate_city(seed).devices]
    keys = {device.id: devices.rotate_key(device) for device in db.session.scalars(
        select(Device).where(Device.id.in_(ids)))}
    for account in db.session.scalars(select(ServiceAccount).where(
            ServiceAccount.name.like(f"{SERVICE_ACCOUNT}%"), ServiceAccount.revoked_at.is_(None))):
        account.revoked_at = utcnow()  # the lost file held its token
    name, token = _service_account_token()
    record("city.keys_reissued", "asset", CITY_ID, {"devices": len(keys)})
    db.session.commit()
    summary = {"seed": seed, "city": city_asset.name,
               "service_account": {"name": name, "token": token}, "devices": keys}
    write_secret(Path(keys_path), summary)
    return summary
