"""Device registry operations; the API, the seeder and the simulator all go through these."""

from datetime import datetime, timedelta
from functools import wraps

from flask import current_app, g, request
from sqlalchemy import and_, func, or_, select

from smartcity.database import utcnow
from smartcity.devices import events
from smartcity.devices.catalogue import default_domain
from smartcity.devices.directory import DeviceIdentity, device_directory
from smartcity.devices.models import Device
from smartcity.devices.schemas import DeviceOut
from smartcity.errors import ApiError, bad_request, conflict, not_found
from smartcity.extensions import db
from smartcity.http import dumped_as, search_pattern
from smartcity.mqtt.accounts import queue as broker_accounts
from smartcity.security import keys
from smartcity.timeutil import iso


def create_device(data: dict) -> tuple[Device, str]:
    """Register a device and return it with its API key, which is shown only this once."""
    if db.session.get(Device, data["id"]) is not None:
        raise conflict("device id already exists", "id")
    if data.get("gateway_id"):
        _check_gateway(data["gateway_id"], data["id"])
    issued = keys.issue()
    device = Device(
        id=data["id"], name=data.get("name") or data["id"], type=data["type"],
        domain=data.get("domain") or default_domain(data["type"]),
        status=data.get("status", "active"), location=data.get("location"),
        meta=data.get("metadata") or {}, gateway_id=data.get("gateway_id"),
        asset_id=data.get("asset_id"), key_prefix=issued.prefix, key_hash=issued.digest)
    db.session.add(device)
    db.session.flush()
    _broker_sync(device.id, issued.token)
    _broker_sync(device.gateway_id)
    return device, issued.token


def _broker_sync(device_id: str | None, api_key: str | None = None) -> None:
    """Queue the device's broker account change in this transaction (see mqtt/accounts)."""
    if device_id and broker_accounts.enabled():
        broker_accounts.queue_sync(device_id, api_key)


def _check_gateway(gateway_id: str, device_id: str) -> None:
    gateway = db.session.get(Device, gateway_id)
    if gateway is None or gateway.type != "gateway" or gateway_id == device_id:
        raise bad_request("gateway_id must name an existing gateway device", "gateway_id")


def update_device(device: Device, data: dict) -> Device:
    if data.get("gateway_id"):
        _check_gateway(data["gateway_id"], device.id)
    before = (device.status, device.gateway_id)
    for field in ("name", "domain", "location", "gateway_id", "asset_id", "status"):
        if field in data:
            setattr(device, field, data[field])
    if "metadata" in data:
        device.meta = data["metadata"]
    if (device.status, device.gateway_id) != before:
        _broker_sync(device.id)
        if device.gateway_id != before[1]:  # both gateways' clients change their roles
            _broker_sync(before[1])
            _broker_sync(device.gateway_id)
    return device


def delete_device(device: Device) -> None:
    """Delete a device; its broker client, role and retained config go with it."""
    db.session.delete(device)
    if broker_accounts.enabled():
        broker_accounts.queue_delete(device.id)


def rotate_key(device: Device) -> str:
    """Replace the device's key; the old one stops working at the next request."""
    issued = keys.issue()
    device.key_prefix, device.key_hash = issued.prefix, issued.digest
    _broker_sync(device.id, issued.token)
    return issued.token


def get_device(device_id: str, types: tuple[str, ...] | None = None) -> Device:
    """The device, or 404; with `types`, a device of another type is not found either."""
    device = db.session.get(Device, device_id)
    if device is None or (types is not None and device.type not in types):
        raise not_found(" or ".join(t.replace("_", " ") for t in types) if types else "device")
    return device


def devices_query(types: str | tuple[str, ...] | list[str], device_ids: list[str] | None = None):
    """A select of the devices of some types (optionally only these ids)."""
    types = (types,) if isinstance(types, str) else tuple(types)
    stmt = select(Device).where(Device.type.in_(types))
    return stmt.where(Device.id.in_(device_ids)) if device_ids else stmt


def devices_of(types: str | tuple[str, ...] | list[str],
               device_ids: list[str] | None = None) -> list[Device]:
    """Devices of some types (optionally only these ids), ordered by id."""
    return list(db.session.scalars(devices_query(types, device_ids).order_by(Device.id)))


def location(device: Device) -> dict | None:
    """{lat, lon} of a device that has both, else None."""
    loc = device.location or {}
    return {"lat": loc["lat"], "lon": loc["lon"]} if "lat" in loc and "lon" in loc else None


def authenticate_device(api_key: str | None) -> DeviceIdentity:
    """Return the active device owning this key; 401 for a bad key, 403 when disabled."""
    prefix = keys.split_prefix(api_key or "")
    device = device_directory().by_key_prefix(prefix) if prefix else None
    if device is None or not keys.matches(api_key, device.key_hash):
        raise ApiError(401, "invalid_api_key", "missing or invalid X-API-Key",
                       {"field": "X-API-Key"})
    if device.status != "active":
        raise ApiError(403, "device_disabled", "device is disabled")
    return device


def require_device(view):
    """Authenticate the calling device by its X-API-Key header into g.device."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.device = authenticate_device(request.headers.get("X-API-Key"))
        return view(*args, **kwargs)

    wrapped.required_role = "device"
    return wrapped


def offline_cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(seconds=current_app.config["DEVICE_OFFLINE_AFTER"])


def connectivity(device: Device, now: datetime | None = None) -> str:
    if device.reported_state == "offline" or device.last_seen is None:
        return "offline"
    return "online" if device.last_seen >= offline_cutoff(now) else "offline"


def online_clause(now: datetime | None = None):
    return and_(or_(Device.reported_state.is_(None), Device.reported_state != "offline"),
                Device.last_seen >= offline_cutoff(now))


def touch(device: Device, reported_state: str | None = None) -> None:
    """Record that the device was heard from now."""
    device.last_seen = utcnow()
    device.reported_state = reported_state


HEARD_EVERY_S = 15  # a device heard again within this keeps its last_seen: no write per request


def heard_from(device_id: str) -> None:
    """A device that forwards others' readings (a gateway) is online by doing so."""
    device = get_device(device_id)
    fresh = device.last_seen and device.last_seen >= utcnow() - timedelta(seconds=HEARD_EVERY_S)
    if not (fresh and device.reported_state != "offline"):
        report_state(device_id, "online")


def report_state(device_id: str, state: str) -> bool:
    """Apply an explicit online/offline report (MQTT status, last will); True if it changed."""
    device = get_device(device_id)
    before = connectivity(device)
    if state == "online":
        touch(device)
    else:
        device.reported_state = "offline"
    db.session.commit()
    after = connectivity(device)
    if after != before:
        events.notify("connectivity", device_to_dict(device), before)
    return after != before


MAX_IDS = 200  # ids=a,b,c: the few devices a page names (alarms, a group)


def list_query(args) -> select:
    """A select of devices filtered by type, domain, status, connectivity, q and ids=a,b,c."""
    stmt = select(Device)
    for name in ("type", "domain", "status", "asset_id", "gateway_id"):
        if args.get(name):
            stmt = stmt.where(getattr(Device, name) == args[name])
    if args.get("ids"):
        ids = [i for i in args["ids"].split(",") if i][:MAX_IDS]
        stmt = stmt.where(Device.id.in_(ids))
    conn = args.get("connectivity")
    if conn == "online":
        stmt = stmt.where(online_clause())
    elif conn == "offline":
        stmt = stmt.where(~online_clause() | Device.last_seen.is_(None))
    elif conn:
        raise bad_request("connectivity must be online or offline", "connectivity")
    if args.get("q"):
        like = search_pattern(args["q"])
        stmt = stmt.where(or_(func.lower(Device.id).like(like, escape="\\"),
                              func.lower(Device.name).like(like, escape="\\")))
    return stmt


@dumped_as(DeviceOut)
def device_to_dict(device: Device) -> dict:
    return {"id": device.id, "name": device.name, "type": device.type, "domain": device.domain,
            "status": device.status, "connectivity": connectivity(device),
            "location": device.location, "metadata": device.meta or {},
            "gateway_id": device.gateway_id, "asset_id": device.asset_id,
            "api_key_prefix": device.key_prefix, "last_seen": iso(device.last_seen),
            "created_at": iso(device.created_at), "updated_at": iso(device.updated_at)}
