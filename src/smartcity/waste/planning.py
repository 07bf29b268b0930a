"""Collection routes over the road network: which bins, the distance matrix between their
junctions, the VRP, and each tour drawn along the roads.

A bin is due when its level is at or above the threshold or its fill estimate says it reaches
100 % within the horizon. What a bin puts in the truck is its volume at that predicted level
(capacity x level at the horizon): planning for the fuller bin keeps the tour within capacity
whenever in the horizon it is driven.
"""

from sqlalchemy import select

from smartcity.assets.models import Asset
from smartcity.devices import commands
from smartcity.devices.models import Device
from smartcity.errors import ApiError, bad_request
from smartcity.extensions import db
from smartcity.roads import store as roads
from smartcity.roads import vrp
from smartcity.timeutil import now_ms
from smartcity.waste import bins as bin_service
from smartcity.waste.collections import create_collection

SERVICE_S = 90  # stopping, lifting and emptying one bin


def due_bins(states: list[dict], threshold_pct: float, horizon_h: float) -> list[dict]:
    """Bins at or above the threshold now, or predicted to overflow within the horizon."""
    due = []
    for s in states:
        estimate = s["_estimate"]
        if estimate.level is None or s["location"] is None or s["status"] != "active":
            continue
        ahead = estimate.level_at(horizon_h)
        if estimate.level >= threshold_pct or ahead >= 100:
            due.append(s | {"reason": "threshold" if estimate.level >= threshold_pct
                            else "predicted_overflow",
                            "volume_l": round(s["capacity_l"] * ahead / 100)})
    return due


def depot_point(depot) -> tuple[float, float]:
    """(lat, lon) of a depot given as {lat, lon} or as an asset id (the demo's "depot-1")."""
    if isinstance(depot, dict):
        return depot["lat"], depot["lon"]
    asset = db.session.get(Asset, depot)
    if asset is None or not asset.geometry or asset.geometry.get("type") != "Point":
        raise bad_request(f"depot {depot!r} is neither {{lat, lon}} nor a point asset", "depot")
    lon, lat = asset.geometry["coordinates"][:2]
    return lat, lon


def default_depot() -> str | None:
    return db.session.scalar(select(Asset.id).where(Asset.type == "depot").order_by(Asset.id))


def optimise(vehicles: list[dict], threshold_pct: float, horizon_h: float,
             time_limit_s: float, exclude: set[str] = frozenset()) -> dict:
    """Routes for the given vehicles that empty every due bin the fleet can take (bins in
    `exclude`, already on an open round, are left out)."""
    due = [b for b in due_bins(bin_service.bin_states(), threshold_pct, horizon_h)
           if b["id"] not in exclude]
    network = roads.current_network()  # closed roads (incidents) are driven around
    depots = [depot_point(v["depot"] if v.get("depot") is not None else default_depot())
              for v in vehicles]
    try:
        snapped = network.roads.snap_many(
            depots + [(b["location"]["lat"], b["location"]["lon"]) for b in due])
    except LookupError:
        raise ApiError(409, "no_road_network", "the city has no road network to route on",
                       {"field": "vehicles"}) from None
    nodes = [node for node, _d in snapped]
    metres = network.matrix(nodes, "length")
    n_depots = len(vehicles)
    # A bin no vehicle can reach and leave is reported, not routed.
    unreachable = [b["id"] for k, b in enumerate(due, start=n_depots)
                   if not any(metres[d][k] is not None and metres[k][d] is not None
                              for d in range(n_depots))]
    far = int(sum(x for row in metres for x in row if x is not None)) + 1
    matrix = [[far if x is None else int(round(x)) for x in row] for row in metres]
    demands = [0] * n_depots + [0 if b["id"] in unreachable else b["volume_l"] for b in due]
    fleet = [vrp.Vehicle(v["id"], int(v["capacity_l"]), k) for k, v in enumerate(vehicles)]
    best, baseline = vrp.solve(matrix, demands, fleet, time_limit_s)
    routes = [_route(network, nodes, due, n_depots, k, vehicles[k], tour, dist, load)
              for k, (tour, dist, load) in enumerate(zip(best.tours, best.distances, best.loads,
                                                         strict=True))]
    saving = baseline.distance - best.distance
    return {
        "routes": routes, "method": best.method,
        "total_km": round(best.distance / 1000, 3),
        "baseline": {"method": baseline.method, "total_km": round(baseline.distance / 1000, 3),
                     "per_vehicle_km": [round(d / 1000, 3) for d in baseline.distances],
                     "dropped": [due[n - n_depots]["id"] for n in baseline.dropped]},
        "saving_km": round(saving / 1000, 3),
        "saving_pct": round(100 * saving / baseline.distance, 2) if baseline.distance else 0.0,
        "eligible": [{"id": b["id"], "level": b["level"], "hours_to_full": b["hours_to_full"],
                      "volume_l": b["volume_l"], "reason": b["reason"]} for b in due],
        "dropped": [due[n - n_depots]["id"] for n in best.dropped],
        "unreachable": unreachable,
        "threshold_pct": threshold_pct, "horizon_h": horizon_h, "time_limit_s": time_limit_s,
        "solve_s": round(best.seconds, 3)}


def _route(network, nodes, due, n_depots, depot, vehicle, tour, distance, load) -> dict:
    """One vehicle's tour with its geometry along the roads and its driving + service time."""
    stops = [nodes[depot], *(nodes[n] for n in tour), nodes[depot]]
    coords, seconds = [], 0.0
    for a, b in zip(stops, stops[1:], strict=False):
        leg = network.route(a, b, "length") if a != b else None
        if leg is not None:
            coords.extend(leg.coordinates if not coords else leg.coordinates[1:])
            seconds += leg.time_s
    seconds += SERVICE_S * len(tour)
    return {"vehicle_id": vehicle["id"], "capacity_l": vehicle["capacity_l"],
            "bins": [due[n - n_depots]["id"] for n in tour], "load_l": load,
            "load_pct": round(100 * load / vehicle["capacity_l"], 1) if vehicle["capacity_l"]
            else None,
            "distance_km": round(distance / 1000, 3), "duration_h": round(seconds / 3600, 3),
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]}
            if len(coords) >= 2 else None}



def save(plan: dict, scheduled_for: int | None = None, source: str = "optimiser") -> list[int]:
    """Store each non-empty route as a planned collection; return their ids."""
    when = scheduled_for if scheduled_for is not None else now_ms()
    return [create_collection({"vehicle_id": r["vehicle_id"], "scheduled_for": when,
                               "bins": r["bins"], "distance_km": r["distance_km"],
                               "duration_h": r["duration_h"], "route": r["geometry"]},
                              source=source).id
            for r in plan["routes"] if r["bins"]]


def dispatch(plan: dict, actor: str | None, timeout_s: int, collections: list[int] | None = None
             ) -> list[dict]:
    """Send each route to its truck as an assign_route command (vehicles that are devices);
    the answer says per vehicle what was sent or why not."""
    sent, ids = [], iter(collections or [])
    for route in plan["routes"]:
        if not route["bins"]:
            continue
        collection_id = next(ids, None)
        device = db.session.get(Device, route["vehicle_id"])
        if device is None or device.type != "vehicle":
            sent.append({"vehicle_id": route["vehicle_id"], "command_id": None,
                         "reason": "not a vehicle device"})
            continue
        command = commands.create(device, "assign_route", {
            "bins": route["bins"], "distance_km": route["distance_km"],
            "collection_id": collection_id}, timeout_s, actor)
        sent.append({"vehicle_id": device.id, "command_id": command.id,
                     "status": command.status})
    return sent
