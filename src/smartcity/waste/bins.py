"""Smart bins: devices of type smart_bin with a stream and a capacity in their metadata, their
live level and fill estimate, and manual level updates through the ingest pipeline."""

from flask import current_app

from smartcity.assets.districts import district_of, districts
from smartcity.devices.models import Device
from smartcity.devices.service import create_device, devices_of, get_device, location
from smartcity.extensions import db
from smartcity.telemetry import ingest, parse, reads
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
    return devices_of(BIN_TYPE, ids)


def get_bin(bin_id: str) -> Device:
    return get_device(bin_id, (BIN_TYPE,))


def histories(devices: list[Device], hours: float) -> dict[str, tuple[list[int], list[float]]]:
    """fill_level (ts, values) of each bin over the last `hours`, oldest first."""
    end = now_ms() + 1
    start = end - int(hours * HOUR_MS)
    with db.reader() as conn:
        found = reads.samples_of(conn, [d.id for d in devices], LEVEL_KEY, start, end)
    return {d: ([t for t, _v in s], [v for _t, v in s]) for d, s in found.items()}


def bin_states(ids: list[str] | None = None) -> list[dict]:
    """Every bin with its stream, capacity, district, level and fill estimate."""
    devices = bin_devices(ids)
    series = histories(devices, current_app.config["WASTE_HISTORY_H"])
    known = districts()
    alarm = current_app.config["WASTE_OVERFLOW_PCT"]
    items = []
    for device in devices:
        ts, levels = series[device.id]
        estimate = fill.estimate(ts, levels)
        district = district_of(device, known)
        items.append({
            "id": device.id, "name": device.name, "stream": stream_of(device),
            "capacity_l": capacity_of(device), "location": location(device),
            "asset_id": device.asset_id, "district": district["id"] if district else None,
            "district_name": district["name"] if district else None, "status": device.status,
            "level_ts": ts[-1] if ts else None, **estimate.to_dict(),
            "overflowing": estimate.level is not None and estimate.level >= alarm,
            "_estimate": estimate})
    return items


def public(state: dict) -> dict:
    return {k: v for k, v in state.items() if not k.startswith("_")}


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


def fill_prediction(hours: int) -> dict:
    """Each bin's level in `hours` and whether it is full by then, from its fill estimate
    (Theil-Sen rate since the last emptying, fill.py): "full" when the estimate reaches 100 %
    within the horizon, "maybe" when only the fast end of the rate's interval does."""
    items = []
    for state in bin_states():
        estimate = state["_estimate"]
        due, low = state["hours_to_full"], state["hours_to_full_interval"][0]
        outlook = None if estimate.rate_pct_h is None else (
            "full" if due is not None and due <= hours
            else "maybe" if low is not None and low <= hours else "not_full")
        level = estimate.level_at(hours)
        items.append({k: state[k] for k in ("id", "name", "stream", "district", "level",
                                             "rate_pct_h", "hours_to_full",
                                             "hours_to_full_interval", "confidence")}
                     | {"level_at_horizon": None if level is None else round(level, 1),
                        "outlook": outlook})
    items.sort(key=lambda i: (i["hours_to_full"] is None, i["hours_to_full"] or 0, i["id"]))
    count = {o: sum(i["outlook"] == o for i in items) for o in ("full", "maybe", "not_full")}
    return {"kind": "bin fill level (%)", "method": "Theil-Sen fill rate since the last emptying",
            "bins": len(items), "full_within_horizon": count["full"],
            "maybe_full_within_horizon": count["maybe"], "items": items}
