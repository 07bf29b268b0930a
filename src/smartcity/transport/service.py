"""Vehicles from the device registry and their telemetry: latest state and stored tracks;
the bus network from the assets, for the GTFS export."""

from datetime import date

from smartcity.assets.service import list_query
from smartcity.devices.models import Device
from smartcity.devices.service import devices_of, get_device
from smartcity.errors import conflict
from smartcity.extensions import db
from smartcity.telemetry import reads
from smartcity.transport import gtfs

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


def network() -> tuple[dict | None, list[dict], list[dict]]:
    """(city asset, bus lines, bus stops) as plain dicts for the GTFS export; a line missing a
    stop's node (edited by hand) keeps the stops it can place."""
    city = next(iter(db.session.scalars(list_query({"type": "city"}))), None)
    stop_assets = {a.id: a for a in db.session.scalars(list_query({"type": "bus_stop"}))}
    stops = [{"id": a.id, "name": a.name, "lon": a.geometry["coordinates"][0],
              "lat": a.geometry["coordinates"][1]}
             for a in sorted(stop_assets.values(), key=lambda a: a.id)
             if a.geometry and a.geometry.get("type") == "Point"]
    lines = []
    for a in sorted(db.session.scalars(list_query({"type": "bus_line"})), key=lambda a: a.id):
        p = a.properties or {}
        nodes = p.get("nodes") or []
        line_stops = [s for s in p.get("stops", []) if s in stop_assets
                      and (stop_assets[s].properties or {}).get("node") in nodes]
        if len(line_stops) < 2 or not a.geometry:
            continue
        lines.append({"id": a.id, "ref": p.get("ref", a.id), "name": a.name, "nodes": nodes,
                      "coordinates": a.geometry["coordinates"], "stops": line_stops,
                      "stop_nodes": {s: stop_assets[s].properties["node"] for s in line_stops},
                      "stop_names": {s: stop_assets[s].name for s in line_stops},
                      "headway_min": p.get("headway_min", 10)})
    return ({"id": city.id, "name": city.name} if city else None), lines, stops


def clock_seconds(config, setting: str) -> int:
    """Seconds after midnight of an HH:MM setting."""
    try:
        hours, minutes = (int(part) for part in config[setting].split(":"))
    except ValueError:
        raise ValueError(f"{setting} must be HH:MM, not {config[setting]!r}") from None
    return hours * 3600 + minutes * 60


def gtfs_feed(config, today: date) -> dict[str, list[list]]:
    """The GTFS static tables of the stored network; 409 when there is no line to export."""
    city, lines, stops = network()
    if not lines:
        raise conflict("no bus line with two placeable stops to export")
    agency = {"id": city["id"] if city else "agency", "name": city["name"] if city else "City",
              "url": config["TRANSPORT_AGENCY_URL"], "timezone": config["TRANSPORT_TIMEZONE"]}
    return gtfs.feed(agency, lines, stops, float(config["TRANSPORT_SCHEDULE_SPEED_KMH"]),
                     clock_seconds(config, "TRANSPORT_FIRST_DEPARTURE"),
                     clock_seconds(config, "TRANSPORT_LAST_DEPARTURE"), today)
