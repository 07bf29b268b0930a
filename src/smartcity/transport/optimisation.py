"""Routes for stops with time windows and vehicles with capacities over the road network: the
VRPTW of the core `roads.vrp` on travel times and distances between the stops' nearest
junctions (live travel times; closed roads driven around), against taking the stops in the
order given."""

import time

from smartcity.errors import ApiError
from smartcity.roads import store as roads
from smartcity.roads import vrp


def infeasible(message: str, field: str) -> ApiError:
    return ApiError(422, "infeasible", message, {"field": field})


def optimise(body: dict) -> dict:
    """The routes, their totals, and the saving against the input order."""
    stops, vehicles, horizon = body["stops"], body["vehicles"], body["horizon_s"]
    network = roads.current_network()
    try:
        snapped = network.roads.snap_many(
            [(body["depot"]["lat"], body["depot"]["lon"])] + [(s["lat"], s["lon"]) for s in stops])
    except LookupError:
        raise ApiError(409, "no_road_network", "the city has no road network to route on",
                       {"field": "stops"}) from None
    nodes = [node for node, _d in snapped]
    metres, seconds = network.matrix(nodes, "length"), network.matrix(nodes, "time")
    windows = [(0, horizon)] + [(s["earliest_s"], horizon if s["latest_s"] is None
                                 else min(s["latest_s"], horizon)) for s in stops]
    check(stops, vehicles, windows, metres, seconds)
    far = int(sum(x for row in metres for x in row if x is not None)) + 1
    distance = [[far if x is None else int(round(x)) for x in row] for row in metres]
    travel = [[far if x is None else int(round(x)) for x in row] for row in seconds]
    demands = [0] + [s["demand"] for s in stops]
    service = [0] + [s["service_s"] for s in stops]
    fleet = [vrp.Vehicle(v["id"], v["capacity"], 0) for v in vehicles]
    started = time.perf_counter()
    plan = vrp.solve_windows(distance, travel, demands, windows, service, fleet,
                             body["time_limit_s"])
    solve_s = time.perf_counter() - started
    if plan is None:
        raise infeasible("no routes keep every time window and capacity", "stops")
    given, missed = vrp.in_order(distance, travel, demands, windows, service, fleet,
                                 list(range(1, len(nodes))))
    total, base = sum(plan.distances), sum(given.distances)
    return {
        "routes": [route(network, nodes, stops, v, tour, arrivals, end, dist, load)
                   for v, tour, arrivals, end, dist, load in zip(
                       vehicles, plan.tours, plan.arrivals, plan.ends, plan.distances,
                       plan.loads, strict=True)],
        "total_distance_km": round(total / 1000, 3),
        "total_time_s": sum(plan.ends),
        "input_order": {"total_distance_km": round(base / 1000, 3),
                        "total_time_s": sum(given.ends), "missed_windows": missed,
                        "overloaded_vehicles": sum(load > v.capacity for load, v in
                                                   zip(given.loads, fleet, strict=True))},
        "saving_km": round((base - total) / 1000, 3),
        "saving_pct": round(100 * (base - total) / base, 2) if base else 0.0,
        "snap_m": {s["id"]: round(d, 1) for s, (_n, d) in zip(stops, snapped[1:], strict=True)},
        "solve_s": round(solve_s, 3)}


def check(stops, vehicles, windows, metres, seconds) -> None:
    """422 naming the stop for what no routing can mend."""
    biggest = max(v["capacity"] for v in vehicles)
    for k, s in enumerate(stops, start=1):
        if metres[0][k] is None or metres[k][0] is None:
            raise infeasible(f"stops[{k - 1}]: {s['id']} cannot be reached from the depot "
                             "and back by road", f"stops[{k - 1}]")
        if s["demand"] > biggest:
            raise infeasible(f"stops[{k - 1}].demand: {s['demand']} is more than any vehicle "
                             f"carries ({biggest})", f"stops[{k - 1}].demand")
        if seconds[0][k] > windows[k][1]:
            raise infeasible(f"stops[{k - 1}].latest_s: {s['id']} is {round(seconds[0][k])} s "
                             f"from the depot, its window closes at {windows[k][1]} s",
                             f"stops[{k - 1}].latest_s")
    demand, room = sum(s["demand"] for s in stops), sum(v["capacity"] for v in vehicles)
    if demand > room:
        raise infeasible(f"vehicles: the stops need {demand}, the vehicles carry {room}",
                         "vehicles")


def route(network, nodes, stops, vehicle, tour, arrivals, end, distance, load) -> dict:
    """One vehicle's route: stops with arrival times, and its geometry along the roads."""
    path = [nodes[0], *(nodes[n] for n in tour), nodes[0]]
    coords = []
    for a, b in zip(path, path[1:], strict=False):
        leg = network.route(a, b, "length") if a != b else None
        if leg is not None:
            coords.extend(leg.coordinates if not coords else leg.coordinates[1:])
    return {"vehicle_id": vehicle["id"], "capacity": vehicle["capacity"], "load": load,
            "stops": [{"id": stops[n - 1]["id"], "arrival_s": t,
                       "window": [stops[n - 1]["earliest_s"], stops[n - 1]["latest_s"]]}
                      for n, t in zip(tour, arrivals, strict=True)],
            "distance_km": round(distance / 1000, 3), "time_s": end,
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]}
            if len(coords) >= 2 else None}
