"""A scoped role's reach over devices (auth/permissions.py): the checks device writes make.

Only callers let in by a scoped custom role carry a scope (g.principal.scope); everyone else
passes without a query.
"""

from flask import g
from sqlalchemy import select

from smartcity.devices import groups
from smartcity.devices.control_models import DeviceGroup
from smartcity.devices.models import Device
from smartcity.errors import ApiError
from smartcity.extensions import db


def _outside(what: str) -> ApiError:
    return ApiError(403, "forbidden", f"{what} is outside the scope of your role")


def check_device(device: Device) -> None:
    """Refuse a write to a device outside the caller's domains and device groups."""
    scope = g.principal.scope
    if scope is None or device.domain in scope.domains:
        return
    for group in db.session.scalars(select(DeviceGroup).where(DeviceGroup.id.in_(scope.groups))):
        query = groups.members_query(group).where(Device.id == device.id)
        if db.session.scalar(query.with_only_columns(Device.id).limit(1)) is not None:
            return
    raise _outside(f"device {device.id}")


def check_group_change() -> None:
    """Creating, editing a group or its members would move devices into a scope: refused to
    scoped callers (they act on a group's devices through group actions, device by device)."""
    if g.principal.scope is not None:
        raise _outside("changing device groups")
