from flask import Blueprint, g, request

from smartcity.audit.service import record
from smartcity.auth.guard import require_role
from smartcity.devices import catalogue, service
from smartcity.devices.models import Device
from smartcity.devices.schemas import device_create_schema, device_update_schema
from smartcity.devices.scope import check_device
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.http import json_body
from smartcity.pagination import page_response, paginate
from smartcity.timeutil import iso

bp = Blueprint("devices", __name__, url_prefix="/api/devices")
catalogue_bp = Blueprint("catalogue", __name__, url_prefix="/api/catalogue")


@catalogue_bp.get("")
@require_role("viewer")
def get_catalogue():
    """Describe the domains, device types, their keys (unit, range, derived) and commands."""
    return catalogue.describe()


@bp.get("")
@require_role("viewer")
def list_devices():
    """List devices (filters: type, domain, status, connectivity, asset_id, gateway_id, q, ids)."""
    rows, cursor = paginate(db.session, service.list_query(request.args), [Device.id])
    return page_response([service.device_to_dict(d) for d in rows], cursor)


@bp.post("")
@require_role("operator")
def create_device():
    """Register a device; the answer carries its API key, shown only this once."""
    device, api_key = service.create_device(device_create_schema.load(json_body()))
    check_device(device)  # before the commit: refused, it is never stored
    record("device.created", "device", device.id, {"type": device.type})
    db.session.commit()
    return {**service.device_to_dict(device), "api_key": api_key}, 201


@bp.get("/<device_id>")
@require_role("viewer")
def get_device(device_id):
    """Show a device."""
    return service.device_to_dict(service.get_device(device_id))


@bp.patch("/<device_id>")
@require_role("operator")
def update_device(device_id):
    """Change a device's name, location, metadata, links or (admins) status."""
    data = device_update_schema.load(json_body())
    if "status" in data and not g.principal.can("admin"):
        raise ApiError(403, "forbidden", "only admins change device status", {"field": "status"})
    device = service.get_device(device_id)
    check_device(device)
    device = service.update_device(device, data)
    record("device.updated", "device", device.id, {"fields": sorted(data)})
    db.session.commit()
    return service.device_to_dict(device)


@bp.delete("/<device_id>")
@require_role("admin")
def delete_device(device_id):
    """Delete a device and its key."""
    device = service.get_device(device_id)
    check_device(device)
    service.delete_device(device)
    record("device.deleted", "device", device_id)
    db.session.commit()
    return "", 204


@bp.post("/<device_id>/rotate-key")
@require_role("operator")
def rotate_key(device_id):
    """Issue a new API key; the old key stops working at once."""
    device = service.get_device(device_id)
    check_device(device)
    api_key = service.rotate_key(device)
    record("device.key_rotated", "device", device.id)
    db.session.commit()
    return {"id": device.id, "api_key": api_key, "api_key_prefix": device.key_prefix}


@bp.post("/heartbeat")
@service.require_device
def heartbeat():
    """Tell the platform the calling device (X-API-Key) is alive."""
    service.report_state(g.device.id, "online")
    device = service.get_device(g.device.id)
    return {"device_id": device.id, "status": device.status,
            "connectivity": service.connectivity(device), "server_time": iso(device.last_seen)}
