"""Environment readings: browse them by station, key and time; enter them by hand."""

from smartcity.audit.service import record
from smartcity.devices.catalogue import NON_NEGATIVE, measured_keys
from smartcity.devices.models import Device
from smartcity.devices.service import devices_query, get_device, location
from smartcity.environment import service
from smartcity.errors import bad_request
from smartcity.extensions import db
from smartcity.pagination import paginate
from smartcity.telemetry import ingest, queries, reads
from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms


def readings(args: dict) -> dict:
    """Stations (by id or type; one page of them) with their readings in [start, end)."""
    types = [args["device_type"]] if args.get("device_type") else list(service.ENV_TYPES)
    page, cursor = paginate(db.session, devices_query(types, args.get("device_ids")),
                            [Device.id], limit=args["limit"])
    items = []
    with db.reader() as conn:
        for device in page:
            rows = reads.history(conn, device.id, args.get("keys") or None, args["start"],
                                 args["end"], args["points"], descending=True)
            items.append({"device_id": device.id, "name": device.name, "type": device.type,
                          "asset_id": device.asset_id, "location": location(device),
                          "readings": [queries.history_item(r) for r in rows],
                          "truncated": len(rows) == args["points"]})
    return {"start": args["start"], "end": args["end"], "items": items,
            "next_cursor": cursor}


def enter(body: dict) -> dict:
    """Store readings an operator typed in for one station, through the ingest pipeline."""
    device = get_device(body["device_id"], service.ENV_TYPES)
    if device.status != "active":
        raise bad_request("device is disabled", "device_id")
    allowed = measured_keys(device.type)
    ts = body.get("ts") or now_ms()
    points = []
    for key, value in body["values"].items():
        if key not in allowed:
            raise bad_request(f"{key} is not a measured key of a {device.type} "
                              f"({', '.join(allowed)})", f"values.{key}")
        if key in NON_NEGATIVE and value < 0:
            raise bad_request(f"{key} must not be negative", f"values.{key}")
        points.append(Point(device.id, key, ts, float(value), None))
    outcome = ingest.store(ingest.Outcome(accepted=1, points=points))
    record("environment.manual_entry", "device", device.id,
           {"ts": ts, "values": body["values"], "stored": outcome.stored})
    db.session.commit()
    return {"device_id": device.id, "ts": ts, "values": body["values"],
            "stored": outcome.stored, "duplicates": len(points) - outcome.stored}
