"""Smart bins: devices of type smart_bin with a stream and a capacity in their metadata, their
live level and fill estimate, and manual level updates through the ingest pipeline."""

from flask import current_app
from sqlalchemy import select

from smartcity.assets.models import Asset
from smartcity.devices.models import Device
from smartcity.devices.service import create_device
from smartcity.errors import not_found
from smartcity.extensions import db
from smartcity.telemetry import ingest, parse, queries
from smartcity.telemetry.keys import key_dictionary
from smartcity.timeutil import now_ms
from smartcity.waste import fill

BIN_TYPE = "smart_bin"
LEVEL_KEY = "fill_level"
STREAMS = ("general", "recycling", "organic", "glass")
# The demo city's bins name their material; reports group them into the four streams.
STREAM_ALIASES = {"mixed": "general", "residual": "general", "paper": "recycling",
                  "plastic": "recycling", "metal": "recycling", "bio": "organic"}
DEFAULT_CAPACITY_L = 1100
HOUR_MS = 3_600_000


def stream_of(device: Device) -> str:
    raw = str((device.meta or {}).get("stream") or "general").lower()
    return raw if raw in STREAMS else STREAM_ALIASES.get(raw, "general")


def capacity_of(device: Device) -> float:
    return float((device.meta or {}).get("capacity_l") or DEFAULT_CAPACITY_L)


def bin_devices(ids: list[str] | None = None) -> list[Device]:
    stmt = select(Device).where(Device.type == BIN_TYPE).order_by(Device.id)
    if ids:
        stmt = stmt.where(Device.id.in_(ids))
    return list(db.session.scalars(stmt))


def get_bin(bin_id: str) -> Device:
    device = db.session.get(Device, bin_id)
    if device is None or device.type != BIN_TYPE:
        raise not_found("bin")
    return device


def districts_by_asset() -> tuple[dict[str, str], dict[str, str]]:
    """({asset id: its district id}, {district id: name}) over every asset, one query."""
    rows = db.session.execute(select(Asset.id, Asset.type, Asset.name, Asset.parent_id)).all()
    parent = {r.id: r.parent_id for r in rows}
    names = {r.id: r.name for r in rows if r.type == "district"}
    found = {}
    for asset_id in parent:
        node, seen = asset_id, set()
        while node and node not in names and node not in seen:
            seen.add(node)
            node = parent.get(node)
        if node in names:
            found[asset_id] = node
    return found, names


def histories(devices: list[Device], hours: float) -> dict[str, tuple[list[int], list[float]]]:
    """fill_level (ts, values) of each bin over the last `hours`, oldest first."""
    end = now_ms() + 1
    start = end - int(hours * HOUR_MS)
    out = {d.id: ([], []) for d in devices}
    with db.reader() as conn:
        ids = key_dictionary(current_app).known_ids(conn, [LEVEL_KEY])
        if not ids:
            return out
        for device in devices:
            ts, values = out[device.id]
            for row in queries.history(conn, device.id, ids, start, end, None):
                if row.value is not None:
                    ts.append(row.ts)
                    values.append(row.value)
    return out


def bin_states(ids: list[str] | None = None) -> list[dict]:
    """Every bin with its stream, capacity, district, level and fill estimate."""
    devices = bin_devices(ids)
    series = histories(devices, current_app.config["WASTE_HISTORY_H"])
    district_of, district_names = districts_by_asset()
    alarm = current_app.config["WASTE_OVERFLOW_PCT"]
    items = []
    for device in devices:
        ts, levels = series[device.id]
        estimate = fill.estimate(ts, levels)
        district = district_of.get(device.asset_id) if device.asset_id else None
        items.append({
            "id": device.id, "name": device.name, "stream": stream_of(device),
            "capacity_l": capacity_of(device), "location": _location(device),
            "asset_id": device.asset_id, "district": district,
            "district_name": district_names.get(district), "status": device.status,
            "level_ts": ts[-1] if ts else None, **estimate.to_dict(),
            "overflowing": estimate.level is not None and estimate.level >= alarm,
            "_estimate": estimate})
    return items


def public(state: dict) -> dict:
    return {k: v for k, v in state.items() if not k.startswith("_")}


def _location(device: Device) -> dict | None:
    loc = device.location or {}
    return {"lat": loc["lat"], "lon": loc["lon"]} if "lat" in loc and "lon" in loc else None


def create_bin(data: dict) -> tuple[Device, str]:
    """Register a smart bin; its API key is shown once, as for any device."""
    return create_device({
        "id": data["id"], "name": data.get("name"), "type": BIN_TYPE, "domain": "waste",
        "location": data["location"], "asset_id": data.get("asset_id"),
        "metadata": {"stream": data["stream"], "capacity_l": data["capacity_l"]}})


def update_level(device: Device, level: float, ts=None) -> ingest.Outcome:
    """Store a fill_level as if the bin had sent it: parsed, queued and committed like one."""
    item = {"values": {LEVEL_KEY: level}} | ({} if ts is None else {"ts": ts})
    points = parse.reading_points(device.id, item, now_ms(), ingest.max_skew_ms())
    return ingest.store(ingest.Outcome(accepted=1, points=points))
