"""Which unit to send, by driving time over the live road network (never straight-line
distance), and dispatching it with its route; coverage of the city within the response time."""

from flask import current_app
from sqlalchemy import select

from smartcity.assets.models import Asset
from smartcity.devices.models import Device
from smartcity.emergency import coverage as cov
from smartcity.emergency import incidents, units
from smartcity.emergency.models import EmergencyIncident
from smartcity.errors import ApiError, not_found
from smartcity.extensions import db
from smartcity.roads import store
from smartcity.roads.graph import haversine_m


def _live():
    live = store.current_network(current_app._get_current_object())
    if not live.roads.junctions:
        raise not_found("road network")
    return live


def recommendations(incident_id: str, limit: int = 10) -> dict:
    """Available units of the incident's kind, fastest first, with ETA and straight line."""
    incident = incidents.get(incident_id)
    live = _live()
    target, snap_m = live.roads.snap(incident.lat, incident.lon)
    kind = units.KIND_FOR_TYPE[incident.type]
    candidates = {u["id"]: u for u in units.units(kind=kind, status="available")
                  if u["position"]}
    ranked = live.rank_positions({i: (u["position"]["lat"], u["position"]["lon"])
                                  for i, u in candidates.items()}, target)
    items = []
    for r in ranked[:limit]:
        unit = candidates[r["id"]]
        items.append({"unit": unit, "eta_s": None if r["eta_s"] is None else round(r["eta_s"], 1),
                      "node": r["node"], "snap_m": round(r["snap_m"], 1),
                      "straight_line_m": round(haversine_m(
                          unit["position"]["lon"], unit["position"]["lat"],
                          incident.lon, incident.lat), 1)})
    return {"incident_id": incident.id, "kind": kind, "target_node": target,
            "target_snap_m": round(snap_m, 1), "items": items}


def dispatch(unit_id: str, incident_id: str) -> dict:
    """Send an available unit; 409 if it is busy or out of service or the call is taken.

    Two dispatchers may press at once: the unit's device row and then the incident's row are
    locked first (PostgreSQL; SQLite's write transactions are serial already), so the second
    sees the first's dispatch and gets its 409 instead of sending one unit to two calls."""
    db.session.execute(select(Device.id).where(Device.id == unit_id).with_for_update())
    db.session.execute(select(EmergencyIncident.id).where(EmergencyIncident.id == incident_id)
                       .with_for_update())
    unit = units.get(unit_id)
    if unit["status"] != "available":
        raise ApiError(409, "unit_unavailable", f"unit {unit_id} is {unit['status']}",
                       {"field": "unit_id", "status": unit["status"]})
    incident = incidents.get(incident_id)
    if unit["kind"] not in units.KINDS:
        raise ApiError(409, "conflict", "not an emergency unit", {"field": "unit_id"})
    route = None
    if unit["position"]:
        live = _live()
        source = live.roads.snap(unit["position"]["lat"], unit["position"]["lon"])[0]
        target = live.roads.snap(incident.lat, incident.lon)[0]
        found = live.route(source, target)
        route = found.to_dict() if found else None
    incident = incidents.dispatch(incident, unit_id, route)
    return incidents.to_dict(incident)


def demand_and_nodes(live) -> dict[str, float]:
    """Residents per junction: each district's population spread over its junctions."""
    rows = db.session.execute(select(Asset.id, Asset.type, Asset.parent_id, Asset.properties)
                              .where(Asset.type.in_(("district", "junction")))).all()
    populations = {r.id: (r.properties or {}).get("population", 0) for r in rows
                   if r.type == "district"}
    node_district = {r.id: r.parent_id for r in rows
                     if r.type == "junction" and r.id in live.roads.junctions}
    return cov.population_by_node(populations, node_district)


def _reach(live, node: str, limit_s: float) -> dict[str, float]:
    return live.travel_times(node, limit_s)


def coverage(limit_s: float = cov.COVER_LIMIT_S) -> dict:
    """Share of residents within limit_s of an available unit, per unit kind."""
    live = _live()
    demand = demand_and_nodes(live)
    reach: dict[str, list] = {k: [] for k in units.KINDS}
    for unit in units.units(status="available"):
        if unit["position"]:
            node = live.roads.snap(unit["position"]["lat"], unit["position"]["lon"])[0]
            reach[unit["kind"]].append(_reach(live, node, limit_s))
    result = cov.coverage_by_type(demand, reach, limit_s)
    return {"limit_s": limit_s, "by_kind": {k: {**v, "units": len(reach[k])}
                                            for k, v in result.items()}}


def best_station(unit_id: str, limit_s: float = cov.COVER_LIMIT_S) -> dict:
    """The station of the unit's kind where it covers most residents not covered by the other
    available units of its kind (maximal covering, exact)."""
    unit = units.get(unit_id)
    live = _live()
    demand = demand_and_nodes(live)
    stations = db.session.execute(select(Asset.id, Asset.name, Asset.properties).where(
        Asset.type == units.HOME_TYPE[unit["kind"]])).all()
    station_cover = {s.id: set(_reach(live, s.properties["node"], limit_s)) for s in stations
                     if (s.properties or {}).get("node") in live.roads.junctions}
    if not station_cover:
        raise not_found("station")
    staying = set()
    for other in units.units(kind=unit["kind"], status="available"):
        if other["id"] != unit_id and other["position"]:
            node = live.roads.snap(other["position"]["lat"], other["position"]["lon"])[0]
            staying |= set(_reach(live, node, limit_s))
    result = cov.best_station(demand, station_cover, staying)
    total = sum(demand.values())
    return {"unit_id": unit_id, "kind": unit["kind"], "limit_s": limit_s, **result,
            "share": result["covered"] / total if total else None,
            "stations": {s: round(sum(demand.get(n, 0) for n in c - staying), 1)
                         for s, c in sorted(station_cover.items())}}
