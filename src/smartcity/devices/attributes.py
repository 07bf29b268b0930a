"""Server attributes, desired configuration (versioned, sent to the device) and reported
attributes (what the device says it runs), and whether the two agree."""

import orjson
from flask import current_app

from smartcity.database import utcnow
from smartcity.devices import events
from smartcity.devices.control_models import DeviceAttributes
from smartcity.extensions import db
from smartcity.mqtt import publisher
from smartcity.timeutil import iso

MAX_ATTRIBUTES_BYTES = 16_384


def _row(device_id: str) -> DeviceAttributes:
    row = db.session.get(DeviceAttributes, device_id)
    if row is None:
        row = DeviceAttributes(device_id=device_id, server={}, desired={}, reported={},
                               desired_version=0)
        db.session.add(row)
    return row


def merge(current: dict, patch: dict) -> dict:
    """JSON merge patch (RFC 7396), one level deep: a null value removes the key."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def pending_keys(desired: dict, reported: dict) -> list[str]:
    return sorted(k for k, v in desired.items() if reported.get(k) != v)


def to_dict(device_id: str, row: DeviceAttributes | None) -> dict:
    row = row or DeviceAttributes(device_id=device_id, server={}, desired={}, reported={},
                                  desired_version=0)
    pending = pending_keys(row.desired or {}, row.reported or {})
    return {"device_id": device_id, "server": row.server or {},
            "desired": {"version": row.desired_version or 0, "values": row.desired or {},
                        "updated_at": iso(row.desired_updated_at)},
            "reported": {"values": row.reported or {}, "updated_at": iso(row.reported_updated_at)},
            "in_sync": not pending, "pending_keys": pending}


def get(device_id: str) -> dict:
    return to_dict(device_id, db.session.get(DeviceAttributes, device_id))


def set_server(device_id: str, patch: dict) -> dict:
    row = _row(device_id)
    row.server = merge(row.server or {}, patch)
    db.session.commit()
    return to_dict(device_id, row)


def set_desired(device_id: str, patch: dict) -> dict:
    """Change the desired configuration, bump its version and send it (retained) to the device."""
    row = _row(device_id)
    row.desired = merge(row.desired or {}, patch)
    row.desired_version = (row.desired_version or 0) + 1
    row.desired_updated_at = utcnow()
    db.session.commit()
    publish_config(device_id, row)
    result = to_dict(device_id, row)
    events.notify("attributes", result)
    return result


def config_document(row: DeviceAttributes | None) -> dict:
    return {"version": row.desired_version if row else 0, "config": (row.desired if row else {})}


def publish_config(device_id: str, row: DeviceAttributes) -> None:
    # Retained: a device that connects later still receives its latest configuration.
    publisher.publish(current_app, f"devices/{device_id}/config",
                      orjson.dumps(config_document(row)), qos=1, retain=True)


def report(device_id: str, values: dict) -> dict:
    """Merge what the device reports about itself."""
    row = _row(device_id)
    row.reported = merge(row.reported or {}, values)
    row.reported_updated_at = utcnow()
    db.session.commit()
    result = to_dict(device_id, row)
    events.notify("attributes", result)
    return result
