"""Device groups: static membership or a saved filter, and bulk actions over their members."""

from sqlalchemy import delete, select

from smartcity.devices import service
from smartcity.devices.control_models import DeviceGroup, DeviceGroupMember
from smartcity.devices.models import Device
from smartcity.errors import conflict, not_found
from smartcity.extensions import db
from smartcity.timeutil import iso

FILTER_FIELDS = {"type": Device.type, "domain": Device.domain, "asset_id": Device.asset_id,
                 "status": Device.status}


def get_group(group_id: int) -> DeviceGroup:
    group = db.session.get(DeviceGroup, group_id)
    if group is None:
        raise not_found("device group")
    return group


def create_group(data: dict) -> DeviceGroup:
    if db.session.scalar(select(DeviceGroup.id).where(DeviceGroup.name == data["name"])):
        raise conflict("group name already taken", "name")
    group = DeviceGroup(name=data["name"], description=data.get("description"),
                        kind=data["kind"], filter=data.get("filter") or {})
    db.session.add(group)
    db.session.flush()
    if data.get("device_ids"):
        set_members(group, add=data["device_ids"])
    return group


def members_query(group: DeviceGroup):
    """A select of the group's devices: its members, or what its filter matches now."""
    stmt = select(Device)
    if group.kind == "static":
        return stmt.join(DeviceGroupMember, DeviceGroupMember.device_id == Device.id).where(
            DeviceGroupMember.group_id == group.id)
    for name, column in FILTER_FIELDS.items():
        if group.filter.get(name):
            stmt = stmt.where(column == group.filter[name])
    metadata = group.filter.get("metadata") or {}
    if metadata:  # JSON containment differs per backend; filter the (small) rest in Python
        ids = [d.id for d in db.session.scalars(stmt)
               if all((d.meta or {}).get(k) == v for k, v in metadata.items())]
        stmt = select(Device).where(Device.id.in_(ids))
    return stmt


def member_devices(group: DeviceGroup) -> list[Device]:
    return list(db.session.scalars(members_query(group).order_by(Device.id)))


def set_members(group: DeviceGroup, add=(), remove=()) -> None:
    if add:
        for device_id in add:
            service.get_device(device_id)  # 404 names the missing device
        existing = set(db.session.scalars(select(DeviceGroupMember.device_id).where(
            DeviceGroupMember.group_id == group.id)))
        db.session.add_all(DeviceGroupMember(group_id=group.id, device_id=d)
                           for d in set(add) - existing)
    if remove:
        db.session.execute(delete(DeviceGroupMember).where(
            DeviceGroupMember.group_id == group.id, DeviceGroupMember.device_id.in_(remove)))


def to_dict(group: DeviceGroup) -> dict:
    return {"id": group.id, "name": group.name, "description": group.description,
            "kind": group.kind, "filter": group.filter or {}, "created_at": iso(group.created_at)}
