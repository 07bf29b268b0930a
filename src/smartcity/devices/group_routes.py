from flask import Blueprint, g
from sqlalchemy import select

from smartcity.audit.service import record
from smartcity.auth import permissions
from smartcity.auth.guard import require_role
from smartcity.devices import attributes, commands, groups, service
from smartcity.devices.control_models import DeviceGroup
from smartcity.devices.control_schemas import (
    group_action_schema,
    group_create_schema,
    group_update_schema,
    members_schema,
)
from smartcity.devices.models import Device
from smartcity.devices.scope import check_device, check_group_change
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.http import json_body
from smartcity.pagination import page_response, paginate

bp = Blueprint("device_groups", __name__, url_prefix="/api/device-groups")


@bp.get("")
@require_role("viewer")
def list_groups():
    """List device groups."""
    rows, cursor = paginate(db.session, select(DeviceGroup), [DeviceGroup.id])
    return page_response([groups.to_dict(r) for r in rows], cursor)


@bp.post("")
@require_role("operator")
def create_group():
    """Create a static group (device_ids) or a saved filter (type, domain, asset_id, metadata)."""
    check_group_change()
    group = groups.create_group(group_create_schema.load(json_body()))
    record("device_group.created", "device_group", group.id, {"kind": group.kind})
    db.session.commit()
    return groups.to_dict(group), 201


@bp.get("/<int:group_id>")
@require_role("viewer")
def get_group(group_id):
    """Show a group."""
    return groups.to_dict(groups.get_group(group_id))


@bp.patch("/<int:group_id>")
@require_role("operator")
def update_group(group_id):
    """Rename a group or change its filter."""
    check_group_change()
    group = groups.get_group(group_id)
    data = group_update_schema.load(json_body())
    for field in ("name", "description", "filter"):
        if field in data:
            setattr(group, field, data[field])
    record("device_group.updated", "device_group", group.id, {"fields": sorted(data)})
    db.session.commit()
    return groups.to_dict(group)


@bp.delete("/<int:group_id>")
@require_role("operator")
def delete_group(group_id):
    """Delete a group (its devices stay)."""
    check_group_change()
    db.session.delete(groups.get_group(group_id))
    permissions.forget_group(group_id)
    record("device_group.deleted", "device_group", group_id)
    db.session.commit()
    return "", 204


@bp.get("/<int:group_id>/devices")
@require_role("viewer")
def list_group_devices(group_id):
    """List the devices in a group (a filter group is evaluated now)."""
    query = groups.members_query(groups.get_group(group_id))
    rows, cursor = paginate(db.session, query, [Device.id])
    return page_response([service.device_to_dict(d) for d in rows], cursor)


@bp.post("/<int:group_id>/members")
@require_role("operator")
def change_members(group_id):
    """Add and remove devices of a static group."""
    check_group_change()
    group = groups.get_group(group_id)
    if group.kind != "static":
        raise ApiError(409, "conflict", "a filter group has no static members", {"field": "kind"})
    data = members_schema.load(json_body())
    groups.set_members(group, data["add"], data["remove"])
    record("device_group.members", "device_group", group.id, data)
    db.session.commit()
    return groups.to_dict(group)


@bp.post("/<int:group_id>/actions")
@require_role("operator")
def group_action(group_id):
    """Apply config, a command, or disable/enable (admins) to every device of the group."""
    data = group_action_schema.load(json_body())
    if data["action"] in ("disable", "enable") and not g.principal.can("admin"):
        raise ApiError(403, "forbidden", "only admins change device status", {"field": "action"})
    results = []
    for device in groups.member_devices(groups.get_group(group_id)):
        try:
            results.append({"device_id": device.id, "ok": True,
                            **_apply(device, data)})
        except ApiError as exc:
            results.append({"device_id": device.id, "ok": False,
                            "error": {"code": exc.code, "message": exc.message}})
    record(f"device_group.{data['action']}", "device_group", group_id,
           {"devices": len(results), "failed": sum(not r["ok"] for r in results)})
    db.session.commit()
    return {"group_id": group_id, "action": data["action"], "results": results}


def _apply(device, data) -> dict:
    check_device(device)  # a scoped caller acts on the group's devices in its scope only
    action = data["action"]
    if action == "config":
        return {"config_version": attributes.set_desired(device.id, data["config"])["desired"][
            "version"]}
    if action == "command":
        spec = data["command"]
        command = commands.create(device, spec["name"], spec["params"], spec["timeout_s"],
                                  g.principal.name)
        return {"command_id": command.id, "status": command.status}
    device.status = "disabled" if action == "disable" else "active"
    if action == "disable":
        commands.disable_pending(device.id)
    db.session.commit()
    return {"status": device.status}
