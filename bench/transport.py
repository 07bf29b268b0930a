#!/usr/bin/env python
"""Transport's compute on the demo city (seed 42), pure, no database: what one request of
GET /api/transport/lines/adherence and one POST /api/transport/optimization/routes spend.

adherence   the 14 buses simulated for 2 h at a reading every 10 s; the derived timetable
            (06:00-22:00, both ways every headway); every line's stop patterns: passings and
            trip matching as live.matched_runs does. Baseline in the same run: only placing
            the points on the patterns (the floor every method pays).
vrptw       N random stops of the city with 2 h windows (a random start in the first 4 h),
            demand 1-5, 60 s service, vehicles of capacity 40 from the first junction; the
            road graph's distance and free-flow time matrices; OR-Tools VRPTW under each time
            limit against the stops in the input order (km and missed windows).

Prints one JSON document on stdout (progress on stderr).

    .venv/bin/python bench/transport.py [--stops 40] [--vehicles 4] [--limits 1,5]
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import log, machine_info  # noqa: E402


def demo_lines(city):
    """The city's lines and stops as service.network() reads them from the assets."""
    stops_a = {a.id: a for a in city.assets.values() if a.type == "bus_stop"}
    stops = [{"id": a.id, "name": a.name, "lon": a.geometry["coordinates"][0],
              "lat": a.geometry["coordinates"][1]} for a in stops_a.values()]
    lines = []
    for a in sorted((a for a in city.assets.values() if a.type == "bus_line"),
                    key=lambda a: a.id):
        p = a.properties
        ls = [s for s in p["stops"] if stops_a[s].properties.get("node") in p["nodes"]]
        lines.append({"id": a.id, "ref": p.get("ref"), "name": a.name, "nodes": p["nodes"],
                      "coordinates": a.geometry["coordinates"], "stops": ls,
                      "stop_nodes": {s: stops_a[s].properties["node"] for s in ls},
                      "stop_names": {s: stops_a[s].name for s in ls},
                      "headway_min": p.get("headway_min", 10)})
    return lines, stops


def adherence_bench(city) -> dict:
    from smartcity.simulator.fleet import Fleet
    from smartcity.transport import adherence, gtfs
    from smartcity.transport.schedule import Schedule

    lines, stops = demo_lines(city)
    tables = gtfs.feed({"id": "c", "name": "C", "url": "https://x", "timezone": "UTC"}, lines,
                       stops, 18.0, 6 * 3600, 22 * 3600, datetime.now(UTC).date())
    sched = Schedule.from_tables(tables)
    buses = [d for d in city.devices if d.type == "vehicle" and d.metadata.get("kind") == "bus"]
    fleet = Fleet(42, city=city, ids={d.id for d in buses})
    end = int(time.time()) * 1000
    start = end - 2 * 3_600_000
    tracks: dict[str, list] = {}
    for ts in range(start, end, 10_000):
        for did, v in fleet.sample_all(ts / 1000):
            tracks.setdefault(did, []).append((ts, v["lon"], v["lat"]))
    line_of = {d.id: d.metadata["line"] for d in buses}
    log(f"adherence: {sum(map(len, tracks.values()))} points of {len(tracks)} buses")

    started = time.perf_counter()
    placed = 0
    for route_id in sched.routes:
        for pattern in sched.patterns(route_id):
            path = adherence.Path(sched.coordinates(pattern))
            for vid, track in tracks.items():
                if line_of[vid] == route_id:
                    placed += len(adherence.placed(path, track))
    floor_s = time.perf_counter() - started

    started = time.perf_counter()
    runs = matched = passings = on_time = 0
    for route_id in sched.routes:
        for pattern, trips in sched.patterns(route_id).items():
            path = adherence.Path(sched.coordinates(pattern))
            options = []
            for day in sched.service_days(start, end):
                base = sched.day_start_ms(day)
                options += [((t, day), adherence.scheduled_instants(base, t)) for t in trips
                            if sched.runs_on(t.service_id, day)]
            for vid, track in tracks.items():
                if line_of[vid] != route_id:
                    continue
                for run in adherence.passings(path, track):
                    runs += 1
                    best = adherence.match(run, options, 1800)
                    if best:
                        matched += 1
                        delays = [(ts - best[1][k]) / 1000 for k, ts in run]
                        passings += len(delays)
                        on_time += sum(-60 <= d <= 300 for d in delays)
    full_s = time.perf_counter() - started
    return {"buses": len(tracks), "points": sum(map(len, tracks.values())),
            "trips_in_timetable": len(sched.trips), "placed_points": placed,
            "baseline_place_only_s": round(floor_s, 3), "adherence_s": round(full_s, 3),
            "runs": runs, "matched_runs": matched, "passings": passings,
            "on_time_pct": round(100 * on_time / passings, 1) if passings else None}


def vrptw_bench(city, n_stops: int, n_vehicles: int, limits: list[float]) -> dict:
    from smartcity.roads.graph import RoadGraph, from_assets
    from smartcity.roads.paths import LiveNetwork
    from smartcity.roads.vrp import Vehicle, in_order, solve_windows

    roads = RoadGraph(*from_assets({"id": a.id, "type": a.type, "geometry": a.geometry,
                                    "properties": a.properties}
                                   for a in city.assets.values()
                                   if a.type in ("junction", "road_segment")))
    network = LiveNetwork(roads, {})
    rng = random.Random(7)
    junctions = sorted(roads.junctions)
    nodes = [junctions[0]] + rng.sample(junctions[1:], n_stops)
    started = time.perf_counter()
    metres, seconds = network.matrix(nodes, "length"), network.matrix(nodes, "time")
    matrix_s = time.perf_counter() - started
    far = int(sum(x for row in metres for x in row if x is not None)) + 1
    dist = [[far if x is None else int(round(x)) for x in row] for row in metres]
    travel = [[far if x is None else int(round(x)) for x in row] for row in seconds]
    windows = [(0, 8 * 3600)]
    for _ in range(n_stops):
        opens = rng.randrange(0, 4 * 3600)
        windows.append((opens, opens + 2 * 3600))
    demands = [0] + [rng.randint(1, 5) for _ in range(n_stops)]
    service = [0] + [60] * n_stops
    fleet = [Vehicle(f"v{k}", 40, 0) for k in range(n_vehicles)]
    given, missed = in_order(dist, travel, demands, windows, service, fleet,
                             list(range(1, n_stops + 1)))
    base_km = sum(given.distances) / 1000
    out = {"stops": n_stops, "vehicles": n_vehicles, "matrix_s": round(matrix_s, 3),
           "input_order": {"km": round(base_km, 2), "missed_windows": missed}, "solver": []}
    for limit in limits:
        started = time.perf_counter()
        plan = solve_windows(dist, travel, demands, windows, service, fleet, limit)
        spent = time.perf_counter() - started
        km = sum(plan.distances) / 1000 if plan else None
        out["solver"].append({"time_limit_s": limit, "solve_s": round(spent, 2),
                              "km": round(km, 2) if km else None,
                              "saving_pct": round(100 * (base_km - km) / base_km, 1)
                              if km else None})
        log(f"vrptw limit {limit}: {out['solver'][-1]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stops", type=int, default=40)
    parser.add_argument("--vehicles", type=int, default=4)
    parser.add_argument("--limits", default="1,5")
    args = parser.parse_args()
    from smartcity.simulator.city import generate_city

    city = generate_city(42)
    result = {"benchmark": "transport", "machine": machine_info(),
              "load_1m": os.getloadavg()[0], "adherence": adherence_bench(city),
              "vrptw": vrptw_bench(city, args.stops, args.vehicles,
                                   [float(x) for x in args.limits.split(",")])}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
