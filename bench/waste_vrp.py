#!/usr/bin/env python
"""Collection routes for the demo city's 80 bins: OR-Tools CVRP against nearest neighbour.

The demo city (seed 42) is stored in a throwaway database through the simulator's seeding;
every bin gets 72 hours of fill levels every 10 minutes (ending at 40-99 %, seeded) through
the ingest pipeline, and the
route planner behind POST /api/waste/optimization/routes runs with threshold 0, so that all 80
bins are due: snap to the road network, a road distance matrix, the VRP under each time limit,
tours drawn along the roads. The nearest-neighbour baseline is computed in the same call on
the same matrix (each truck in turn takes the nearest bin that still fits).

Fleet: 4 trucks of 30,000 litres of loose waste each (a 10 m3 body at about 3:1 compaction),
starting and ending at the municipal depot; the bins hold about 100,000 litres in all, so
capacity binds.

wall_s         the whole planning call (bins, estimates, matrix, VRP, geometry)
solve_s        the VRP alone; it stops at its time limit (guided local search)
saving_pct     baseline km - OR-Tools km, over baseline km
bin_states     every bin's level and Theil-Sen fill estimate from its 72 h history (what
               GET /api/waste/bins, the overview tile and the planner read)

Prints one JSON document on stdout (progress on stderr).

    .venv/bin/python bench/waste_vrp.py [--limits 1,5,10] [--trucks 4] [--capacity 30000]
"""

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (  # noqa: E402
    ThrowawayDatabase,
    bench_app,
    log,
    machine_info,
    migrate_database,
    percentiles,
    wait_quiet,
)

HOUR = 3_600_000


def run(backend: str, limits: list[float], trucks: int, capacity: int) -> dict:
    from smartcity.extensions import db
    from smartcity.simulator.city import generate_city
    from smartcity.simulator.seed import seed_city
    from smartcity.telemetry import ingest
    from smartcity.telemetry.points import Point
    from smartcity.timeutil import now_ms
    from smartcity.waste import planning
    from smartcity.waste.bins import bin_states

    with ThrowawayDatabase(backend, "smartcity_bench_waste") as database:
        migrate_database(database.url)
        app = bench_app(database.url)
        city = generate_city(42)
        rng = random.Random(7)
        bins = sorted(d.id for d in city.devices if d.type == "smart_bin")
        with app.test_request_context():
            seed_city(database.path("demo-keys.json"))
            now, points = now_ms(), []
            for b in bins:  # 72 h every 10 min, as the bins report, ending at 40-99 %
                level, rate = rng.uniform(40, 99), rng.uniform(0.5, 3.0)
                points += [Point(b, "fill_level", now - k * HOUR // 6,
                                 max(0.0, level - rate * k / 6), None) for k in range(432)]
            for i in range(0, len(points), 5000):
                ingest.store(ingest.Outcome(accepted=5000, points=points[i:i + 5000]))
            db.session.remove()
            log(f"{backend}: city stored, {len(bins)} bins with levels")
            vehicles = [{"id": f"truck-{k + 1}", "capacity_l": capacity, "depot": "depot-1"}
                        for k in range(trucks)]
            planning.optimise(vehicles, 0, 0, 0.2)  # warm the road network's caches
            states_s = []
            for _ in range(10):  # what GET /api/waste/bins and the overview tile cost
                t0 = time.perf_counter()
                bin_states()
                states_s.append(time.perf_counter() - t0)
            runs = []
            for limit in limits:
                t0 = time.perf_counter()
                plan = planning.optimise(vehicles, 0, 0, limit)
                wall = time.perf_counter() - t0
                routed = [b for r in plan["routes"] for b in r["bins"]]
                feasible = (len(routed) == len(set(routed))
                            and set(routed) | set(plan["dropped"]) == set(bins)
                            and all(r["load_l"] <= r["capacity_l"] for r in plan["routes"]))
                runs.append({
                    "time_limit_s": limit, "wall_s": round(wall, 3), "solve_s": plan["solve_s"],
                    "within_time_limit": plan["solve_s"] <= limit * 1.1 + 0.2,
                    "km": plan["total_km"], "baseline_km": plan["baseline"]["total_km"],
                    "saving_km": plan["saving_km"], "saving_pct": plan["saving_pct"],
                    "bins_routed": len(routed), "dropped": len(plan["dropped"]),
                    "baseline_dropped": len(plan["baseline"]["dropped"]),
                    "per_truck_km": [r["distance_km"] for r in plan["routes"]],
                    "per_truck_load_pct": [r["load_pct"] for r in plan["routes"]],
                    "feasible": feasible,
                    "never_longer_than_baseline": plan["total_km"] <= plan["baseline"]["total_km"]})
                log(f"limit {limit}s: {plan['total_km']} km vs {plan['baseline']['total_km']} km")
            demand = sum(e["volume_l"] for e in plan["eligible"])
        return {"bins": len(bins), "trucks": trucks, "capacity_l": capacity,
                "demand_l": demand, "runs": runs,
                "bin_states_80_bins_72h_ms": percentiles(states_s),
                "history_points": len(points),
                "pass": {"all_feasible": all(r["feasible"] for r in runs),
                         "all_within_time_limit": all(r["within_time_limit"] for r in runs),
                         "never_longer_than_baseline": all(r["never_longer_than_baseline"]
                                                           for r in runs)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--limits", default="1,5,10",
                        help="comma-separated VRP time limits in seconds")
    parser.add_argument("--trucks", type=int, default=4)
    parser.add_argument("--capacity", type=int, default=30_000)
    parser.add_argument("--wait-quiet", type=float, default=0,
                        help="wait up to S seconds for other load to stop first")
    args = parser.parse_args()
    load = wait_quiet(args.wait_quiet)
    limits = [float(x) for x in args.limits.split(",") if x]
    print(json.dumps({"benchmark": "waste_vrp", "backend": args.backend,
                      "machine": machine_info(), "load_before": load,
                      **run(args.backend, limits, args.trucks, args.capacity)}, indent=2))


if __name__ == "__main__":
    main()
