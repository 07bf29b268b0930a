#!/usr/bin/env python
"""Emergency recommendation latency on the demo city, through the HTTP API (Flask test client).

The demo city (seed 42: 288 junctions, 30 traffic counters with live speeds, 10 emergency
vehicles) is stored in a throwaway database; incidents are reported at random junctions.

recommend_ms   GET /api/emergency/incidents/<id>/recommendations: read the incident and the
               units with their latest positions, snap them, one reverse Dijkstra from the
               incident, rank (what a dispatcher waits for)
baseline_ms    GET /api/emergency/incidents/<id> on the same incidents, timed alternately: the
               floor of an authenticated request that reads one incident
coverage_ms    GET /api/emergency/coverage (8-minute isochrone per available unit)
best_station_ms GET /api/emergency/units/<id>/best-station (exact MCLP with CP-SAT)

Prints one JSON document on stdout (progress on stderr).

    .venv/bin/python bench/emergency.py [--backend sqlite|postgresql] [--queries 300]
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
    admin_token,
    bench_app,
    log,
    machine_info,
    migrate_database,
    percentiles,
    wait_quiet,
)

TARGET_P95_MS = 100.0  # a dispatcher's list should feel instant


def run(backend: str, n: int) -> dict:
    from smartcity.extensions import db
    from smartcity.roads.store import network
    from smartcity.simulator.city import generate_city
    from smartcity.simulator.seed import seed_city
    from smartcity.telemetry import ingest
    from smartcity.telemetry.points import Point
    from smartcity.timeutil import now_ms

    with ThrowawayDatabase(backend, "smartcity_bench_emergency") as database:
        migrate_database(database.url)
        app = bench_app(database.url)
        city = generate_city(42)
        rng = random.Random(7)
        with app.app_context():
            seed_city(database.path("demo-keys.json"))
            now = now_ms()
            points = [Point(d.id, "speed", now,
                            city.segments[d.asset_id].speed_kmh * rng.uniform(0.3, 1), None)
                      for d in city.devices if d.type == "traffic_counter"]
            ingest.store(ingest.Outcome(accepted=len(points), points=points))
            db.session.remove()
            ids = sorted(network().roads().junctions)
            xy = {j: network().roads().xy(j) for j in ids}
        headers = {"Authorization": f"Bearer {admin_token(app)}"}
        client = app.test_client()
        incidents = []
        for i in range(n):
            lon, lat = xy[rng.choice(ids)]
            body = {"type": ("fire", "medical", "police")[i % 3], "priority": 2,
                    "location": {"lat": lat, "lon": lon}}
            response = client.post("/api/emergency/incidents", json=body, headers=headers)
            assert response.status_code == 201, response.get_json()
            incidents.append(response.get_json()["id"])
        log(f"{backend}: city stored, {n} incidents")
        client.get(f"/api/emergency/incidents/{incidents[0]}/recommendations", headers=headers)
        recommend, baseline, sizes = [], [], []
        for incident in incidents:
            t0 = time.perf_counter()
            answer = client.get(f"/api/emergency/incidents/{incident}/recommendations",
                                headers=headers)
            recommend.append(time.perf_counter() - t0)
            sizes.append(len(answer.get_json()["items"]))
            t0 = time.perf_counter()
            client.get(f"/api/emergency/incidents/{incident}", headers=headers)
            baseline.append(time.perf_counter() - t0)
        coverage, best = [], []
        units = client.get("/api/emergency/units?kind=ambulance",
                           headers=headers).get_json()["items"]
        for _ in range(10):
            t0 = time.perf_counter()
            client.get("/api/emergency/coverage", headers=headers)
            coverage.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            client.get(f"/api/emergency/units/{units[0]['id']}/best-station", headers=headers)
            best.append(time.perf_counter() - t0)
        result = {"recommend_ms": percentiles(recommend), "baseline_ms": percentiles(baseline),
                  "coverage_ms": percentiles(coverage), "best_station_ms": percentiles(best),
                  "candidates_per_incident": round(sum(sizes) / len(sizes), 2),
                  "junctions": len(ids)}
        result["recommend_p95_over_baseline_p95"] = round(
            result["recommend_ms"]["p95_ms"] / result["baseline_ms"]["p95_ms"], 2)
        result["pass"] = {"recommend_p95_under_100ms":
                          result["recommend_ms"]["p95_ms"] < TARGET_P95_MS}
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--wait-quiet", type=float, default=0)
    args = parser.parse_args()
    load = wait_quiet(args.wait_quiet)
    print(json.dumps({"benchmark": "emergency", "backend": args.backend,
                      "machine": machine_info(), "load_before": load,
                      "target_p95_ms": TARGET_P95_MS, **run(args.backend, args.queries)},
                     indent=2))


if __name__ == "__main__":
    main()
