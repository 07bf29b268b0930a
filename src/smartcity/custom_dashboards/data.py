"""What each widget shows, read from rollups and latest values (never a raw scan), for one
dashboard in one call: the page makes one request however many widgets it has."""

from sqlalchemy import select

from smartcity.alerts import service as alerts
from smartcity.alerts.models import Alarm
from smartcity.devices.catalogue import unit_of
from smartcity.devices.control_models import DeviceGroup
from smartcity.devices.groups import member_devices
from smartcity.devices.models import Device
from smartcity.errors import bad_request
from smartcity.extensions import db
from smartcity.telemetry import queries
from smartcity.telemetry.keys import key_dictionary
from smartcity.telemetry.params import time_range
from smartcity.timeutil import now_ms, parse_time

MAX_POINTS = 1_500  # per series: beyond this a chart cannot show more, so a coarser interval
ALARM_ROWS = 20


def resolve(board, args, app) -> dict:
    """{widget id: data} for the board, in a request: start, end (default the board's time
    range) and var.<name> values for its variables from the query string `args`."""
    now = now_ms()
    start, end = time_range(default_span=board.time_range)
    chosen = _variables(board.variables, args)
    out = {}
    for widget in board.widgets:
        devices = _devices(widget, chosen)
        kind = widget["type"]
        if kind == "timeseries":
            w_start = parse_time(widget["window"], "window", now) if widget["window"] else start
            out[widget["id"]] = _timeseries(widget, devices, w_start, end, app)
        elif kind in ("value", "gauge"):
            out[widget["id"]] = _latest_one(widget, devices, app)
        elif kind == "table":
            out[widget["id"]] = _table(widget, devices, app)
        elif kind == "map":
            out[widget["id"]] = _map(widget, devices, app)
        elif kind == "alarms":
            out[widget["id"]] = _alarms(widget, devices)
        else:
            out[widget["id"]] = {}
    return {"start": start, "end": end, "variables": chosen, "widgets": out}


def _variables(variables: list[dict], args) -> dict:
    chosen = {}
    for variable in variables:
        value = args.get(f"var.{variable['name']}") or variable["default"] \
            or variable["options"][0]
        if value not in variable["options"]:
            raise bad_request(f"var.{variable['name']}: not one of the options",
                              f"var.{variable['name']}")
        chosen[variable["name"]] = value
    return chosen


def _devices(widget: dict, chosen: dict) -> list[Device]:
    ids = [chosen.get(d[1:], d) if d.startswith("$") else d for d in widget["devices"]]
    found = {d.id: d for d in db.session.scalars(select(Device).where(Device.id.in_(ids)))}
    devices = [found[i] for i in dict.fromkeys(ids) if i in found]
    if widget["group"]:
        group = db.session.get(DeviceGroup, widget["group"])
        if group is not None:
            seen = {d.id for d in devices}
            devices += [d for d in member_devices(group)[:200] if d.id not in seen]
    return devices


def unit(device: Device, key: str) -> str:
    return unit_of(device.type, key)


def _interval(widget: dict, start: int, end: int) -> tuple[str, int]:
    """The widget's interval, or the finest coarser one that keeps a series under MAX_POINTS."""
    names = list(queries.INTERVALS)
    for name in names[names.index(widget["interval"]):]:
        if (end - start) // queries.INTERVALS[name] <= MAX_POINTS:
            return name, queries.INTERVALS[name]
    return names[-1], queries.INTERVALS[names[-1]]


def _timeseries(widget, devices, start, end, app) -> dict:
    name, width = _interval(widget, start, end)
    series = []
    with db.reader() as conn:
        key_ids = key_dictionary(app).known_ids(conn, widget["keys"])
        for device in devices:
            if not key_ids:
                break
            by_key = queries.aggregate_series(conn, [device.id], list(key_ids.values()), start,
                                              end, width, widget["agg"])
            for key, key_id in key_ids.items():
                series.append({"device_id": device.id, "device": device.name, "key": key,
                               "unit": unit(device, key), "points": by_key.get(key_id, [])})
    return {"interval": name, "agg": widget["agg"], "start": start, "end": end,
            "series": series}


def _latest_values(devices, keys, app) -> dict[str, dict]:
    with db.reader() as conn:
        key_ids = key_dictionary(app).known_ids(conn, keys)
        if not key_ids or not devices:
            return {d.id: {} for d in devices}
        return queries.latest_of_devices(conn, [d.id for d in devices], list(key_ids.values()))


def _latest_one(widget, devices, app) -> dict:
    if not devices:
        return {"device_id": None, "key": widget["keys"][0], "value": None, "ts": None}
    device, key = devices[0], widget["keys"][0]
    latest = _latest_values([device], [key], app)[device.id].get(key) or {}
    return {"device_id": device.id, "device": device.name, "key": key,
            "unit": unit(device, key), "value": latest.get("value"), "ts": latest.get("ts")}


def _table(widget, devices, app) -> dict:
    values = _latest_values(devices, widget["keys"], app)
    units = {k: next((unit(d, k) for d in devices if unit(d, k)), "") for k in widget["keys"]}
    return {"keys": widget["keys"], "units": units,
            "rows": [{"device_id": d.id, "device": d.name, "values": values[d.id]}
                     for d in devices]}


def _map(widget, devices, app) -> dict:
    key = widget["keys"][0] if widget["keys"] else None
    values = _latest_values(devices, [key], app) if key else {}
    points = []
    for device in devices:
        location = device.location or {}
        if location.get("lat") is None or location.get("lon") is None:
            continue
        latest = values.get(device.id, {}).get(key) or {}
        points.append({"device_id": device.id, "device": device.name, "lat": location["lat"],
                       "lon": location["lon"], "value": latest.get("value")})
    return {"key": key, "unit": next((unit(d, key) for d in devices if key and unit(d, key)), ""),
            "devices": points}


def _alarms(widget, devices) -> dict:
    filters = widget["filters"]
    args = {"status": "active" if filters.get("status", "active") == "active" else None,
            "severity": ",".join(filters.get("severity") or []) or None,
            "domain": filters.get("domain")}
    stmt = alerts.list_query(args)
    if devices:
        stmt = stmt.where(Alarm.originator_id.in_([d.id for d in devices]))
    rows = db.session.scalars(stmt.order_by(Alarm.last_seen.desc()).limit(ALARM_ROWS))
    return {"items": [alerts.to_dict(a) for a in rows]}
