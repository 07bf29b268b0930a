"""Traffic read models over the live road network: flow per counter and segment, congestion,
routes. Everything timed comes from roads.store (cached graph, live times, incidents)."""

from collections import defaultdict

from flask import current_app
from sqlalchemy import select

from smartcity.devices.models import Device
from smartcity.devices.service import devices_query, location
from smartcity.errors import bad_request, not_found
from smartcity.extensions import db
from smartcity.pagination import paginate
from smartcity.roads import store
from smartcity.telemetry import queries, reads
from smartcity.timeutil import now_ms
from smartcity.traffic import congestion as cg

COUNTER_TYPE = "traffic_counter"
SIGNAL_TYPE = "traffic_signal"
FLOW_KEYS = ["intensity", "occupancy", "speed"]
CITY_METHOD = ("Travel Time Index (actual / free-flow time) of the segments with fresh counter "
               "data, weighted by vehicle-km (Urban Mobility Report); levels on HCM 6th ed. "
               "Exhibit 16-8 speed shares")


def counters() -> list[dict]:
    """Every traffic counter with its latest intensity (veh/h), occupancy (%) and mean speed."""
    with db.reader() as conn:
        rows = queries.latest_of_type(conn, COUNTER_TYPE, FLOW_KEYS)
        devices = conn.execute(select(Device.id, Device.name, Device.asset_id, Device.location)
                               .where(Device.type == COUNTER_TYPE).order_by(Device.id)).all()
    latest: dict[str, dict] = defaultdict(dict)
    for r in rows:
        latest[r.id][r.name] = (r.ts, r.value)
    items = []
    for d in devices:
        values = latest.get(d.id, {})
        ts = max((t for t, _v in values.values()), default=None)
        # field names after Smart Data Models TrafficFlowObserved (snake_case)
        items.append({"device_id": d.id, "name": d.name, "segment_id": d.asset_id,
                      "location": d.location, "ts": ts,
                      "intensity": _value(values, "intensity"),
                      "occupancy": _value(values, "occupancy"),
                      "average_vehicle_speed": _value(values, "speed")})
    return items


def _value(values: dict, key: str):
    return values[key][1] if key in values else None


def segments_flow(items: list[dict]) -> list[dict]:
    """Per road segment, the mean of its counters' latest values."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        if item["segment_id"]:
            groups[item["segment_id"]].append(item)
    out = []
    for segment, members in sorted(groups.items()):
        row = {"segment_id": segment, "counters": [m["device_id"] for m in members]}
        for key in ("intensity", "occupancy", "average_vehicle_speed"):
            values = [m[key] for m in members if m[key] is not None]
            row[key] = round(sum(values) / len(values), 2) if values else None
        out.append(row)
    return out


def data() -> dict:
    items = counters()
    return {"counters": items, "segments": segments_flow(items)}


def congestion(segment_ids: list[str] | None = None) -> dict:
    """TTI, level and LOS per segment on the live network, and the city index (named method).

    A segment without fresh counter data runs at free flow in the live network: it is listed
    (observed: false) but kept out of the city index, which would otherwise be diluted by the
    hundreds of unmeasured local streets."""
    app = current_app._get_current_object()
    live = store.current_network(app)
    observations = store.network(app).observations()  # what the live times were built from
    items, counted = [], []
    for sid, seg in live.roads.segments.items():
        if segment_ids and sid not in segment_ids:
            continue
        obs = observations.get(sid)
        flow = obs.intensity_vph if obs else None
        t = live.times[sid]
        row = {"segment_id": sid, "length_m": round(seg.length_m, 1),
               "free_flow_s": round(seg.free_flow_s, 1), "observed": obs is not None,
               "flow_vph": flow}
        if t is None:
            row.update(travel_time_s=None, tti=None, los="F", level="closed")
        else:
            vc = flow / seg.capacity_vph if flow is not None and seg.capacity_vph else None
            row.update(travel_time_s=round(t, 1), **cg.congestion(t, seg.free_flow_s, vc))
            if obs is not None:
                counted.append({"tti": row["tti"], "length_m": seg.length_m, "flow_vph": flow})
        items.append(row)
    index = cg.city_index(counted)
    levels = dict.fromkeys((*cg.LEVELS, "closed"), 0)
    for row in items:
        levels[row["level"]] += 1
    return {"ts": now_ms(), "city": {"index": index, "level": cg.city_level(index),
                                     "segments_observed": len(counted), "method": CITY_METHOD},
            "levels": levels, "segments": items}


def city_summary() -> dict:
    """The city index alone (the tile, the live update)."""
    return congestion()["city"]


def parse_point(value, field: str, roads) -> str:
    """A junction id, or [lat, lon] snapped to the nearest junction."""
    if isinstance(value, str):
        if value not in roads.junctions:
            raise bad_request(f"unknown junction {value!r}", field)
        return value
    if (isinstance(value, list | tuple) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        lat, lon = value
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad_request("lat/lon out of range", field)
        return roads.snap(lat, lon)[0]
    raise bad_request("must be a junction id or [lat, lon]", field)


def route(body: dict) -> dict:
    app = current_app._get_current_object()
    live = store.current_network(app, with_incidents=body["avoid_incidents"])
    if not live.roads.junctions:
        raise not_found("road network")
    source = parse_point(body["from_"], "from", live.roads)
    target = parse_point(body["to"], "to", live.roads)
    found = live.route(source, target, body["optimize"])
    if found is None:
        raise bad_request("no open road connects the two points", "to", code="no_route")
    return {"from_node": source, "to_node": target, "optimize": body["optimize"],
            "avoid_incidents": body["avoid_incidents"], **found.to_dict()}


def readings(args: dict) -> dict:
    """Counters and signals (by id or type; one page of them) with their readings in
    [start, end), newest first."""
    types = [args["device_type"]] if args.get("device_type") else [COUNTER_TYPE, SIGNAL_TYPE]
    page, cursor = paginate(db.session, devices_query(types, args.get("device_id")),
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
    return {"start": args["start"], "end": args["end"], "items": items, "next_cursor": cursor}
