"""Vehicles from the device registry and their telemetry: latest state and stored tracks."""

from smartcity.devices.models import Device
from smartcity.devices.service import devices_of, get_device
from smartcity.extensions import db
from smartcity.telemetry import reads

VEHICLE = ("vehicle",)
LIVE_KEYS = frozenset({"lat", "lon", "speed", "heading", "occupancy"})
STATE_KEYS = ["lat", "lon", "speed", "heading", "occupancy", "fuel", "battery", "odometer",
              "state"]
# Simulator states of a vehicle out on a job (a bus on its line, a truck on a round, ...).
IN_SERVICE = frozenset({"in_service", "at_stop", "layover", "en_route", "on_scene",
                        "collecting", "returning"})


def vehicle_state(conn, device: Device) -> dict:
    """A vehicle's newest values; position None until it reported both lat and lon."""
    latest = reads.latest(conn, device.id, STATE_KEYS)

    def value(key):
        return latest.get(key, {}).get("value")

    position = None
    if value("lat") is not None and value("lon") is not None:
        position = {"lat": value("lat"), "lon": value("lon"),
                    "ts": max(latest["lat"]["ts"], latest["lon"]["ts"])}
    meta = device.meta or {}
    return {"id": device.id, "name": device.name, "kind": meta.get("kind"),
            "line": meta.get("line"), "position": position, "speed_kmh": value("speed"),
            "heading": value("heading"), "occupancy": value("occupancy"),
            "fuel": value("fuel"), "battery": value("battery"), "odometer_km": value("odometer"),
            "state": value("state")}


def vehicles(kind: str | None = None) -> list[dict]:
    """Every vehicle with its latest state, ordered by id."""
    devices = devices_of(VEHICLE)
    if kind:
        devices = [d for d in devices if (d.meta or {}).get("kind") == kind]
    with db.reader() as conn:
        return [vehicle_state(conn, d) for d in devices]


def vehicle(device_id: str) -> dict:
    """One vehicle's latest state, or 404."""
    device = get_device(device_id, VEHICLE)
    with db.reader() as conn:
        return vehicle_state(conn, device)


def track(device_id: str, start: int, end: int) -> dict:
    """The stored positions of a vehicle in [start, end) as a GeoJSON Feature with a
    LineString (coordinates [lon, lat], oldest first); a reading needs both lat and lon."""
    get_device(device_id, VEHICLE)
    with db.reader() as conn:
        lat = dict(reads.samples(conn, device_id, "lat", start, end))
        lon = dict(reads.samples(conn, device_id, "lon", start, end))
    times = sorted(ts for ts in lat if ts in lon)
    return {"type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[lon[t], lat[t]] for t in times]},
            "properties": {"device_id": device_id, "start": start, "end": end,
                           "points": len(times), "timestamps": times}}
