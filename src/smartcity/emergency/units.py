"""Emergency units: the city's vehicles whose metadata `kind` is an emergency kind, with live
positions (their latest lat/lon telemetry, else their registered location) and a status from
the incidents they serve."""

from sqlalchemy import select

from smartcity.devices.models import Device
from smartcity.emergency import incidents
from smartcity.errors import not_found
from smartcity.extensions import db
from smartcity.telemetry import queries

KINDS = ("fire_engine", "ambulance", "police_car")
KIND_FOR_TYPE = {"fire": "fire_engine", "medical": "ambulance", "police": "police_car",
                 "hazmat": "fire_engine", "flood": "fire_engine"}
HOME_TYPE = {"fire_engine": "fire_station", "ambulance": "ambulance_station",
             "police_car": "police_station"}
STATUS_OF_INCIDENT = {"dispatched": "dispatched", "en_route": "dispatched",
                      "on_scene": "on_scene"}


def _positions() -> dict[str, tuple[float, float, int]]:
    with db.reader() as conn:
        rows = queries.latest_of_type(conn, "vehicle", ["lat", "lon"])
    latest: dict[str, dict] = {}
    for r in rows:
        latest.setdefault(r.id, {})[r.name] = (r.value, r.ts)
    return {d: (v["lat"][0], v["lon"][0], max(v["lat"][1], v["lon"][1]))
            for d, v in latest.items() if "lat" in v and "lon" in v}


def units(kind: str | None = None, status: str | None = None) -> list[dict]:
    devices = db.session.scalars(select(Device).where(Device.type == "vehicle")
                                 .order_by(Device.id)).all()
    positions, busy = _positions(), incidents.busy_units()
    out = []
    for d in devices:
        unit_kind = (d.meta or {}).get("kind")
        if unit_kind not in KINDS or (kind and unit_kind != kind):
            continue
        if d.status != "active":
            state, incident = "out_of_service", None
        elif d.id in busy:
            incident, incident_status = busy[d.id]
            state = STATUS_OF_INCIDENT[incident_status]
        else:
            state, incident = "available", None
        if status and state != status:
            continue
        if d.id in positions:
            lat, lon, ts = positions[d.id]
            position = {"lat": lat, "lon": lon, "ts": ts, "source": "telemetry"}
        elif d.location:
            position = {"lat": d.location["lat"], "lon": d.location["lon"], "ts": None,
                        "source": "registered"}
        else:
            position = None
        out.append({"id": d.id, "name": d.name, "kind": unit_kind, "status": state,
                    "incident_id": incident, "position": position,
                    "home_node": (d.meta or {}).get("home_node"), "station_id": d.asset_id})
    return out


def get(unit_id: str) -> dict:
    found = [u for u in units() if u["id"] == unit_id]
    if not found:
        raise not_found("emergency unit")
    return found[0]
