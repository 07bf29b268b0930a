#!/usr/bin/env python
"""Custom dashboard load time: a 12-widget dashboard over 30 days of the demo city, answered by
GET /api/dashboards/<id>/data (one request, rollups and latest values), against the same widgets
fetched the way a client-side dashboard would: one telemetry request per series and per device
(aggregate and latest endpoints), in the same run. In-process (Flask test client), so the
figures are the app's and the database's, without HTTP. Target (#24): the dashboard loads in
< 1 s. Prints one JSON document.

    .venv/bin/python bench/dashboards.py [--backend sqlite|postgresql] [--days 30] [--reps 20]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (  # noqa: E402
    BACKENDS,
    ThrowawayDatabase,
    admin_token,
    bench_app,
    log,
    machine_info,
    migrate_database,
    percentiles,
)

PG_DB = "smartcity_bench_dashboards"
STEP_MS = 600_000  # a reading every 10 minutes
TARGET_MS = 1000.0


def widgets() -> list[dict]:
    aq = [f"aq-{i}" for i in range(1, 13)]
    meters = [f"em-{i}" for i in range(1, 9)]
    series = lambda i, devices, key: {  # noqa: E731
        "id": f"s{i}", "type": "timeseries", "devices": devices, "keys": [key],
        "interval": "1h", "agg": "avg", "x": 0, "y": i * 3, "w": 6, "h": 3}
    return [
        series(1, aq[:3], "pm25"), series(2, aq[3:6], "no2"), series(3, meters[:3], "power"),
        series(4, ["cnt-1", "cnt-2"], "intensity"), series(5, ["gen-1", "gen-2"], "power"),
        {"id": "v1", "type": "value", "devices": ["aq-1"], "keys": ["aqi"]},
        {"id": "v2", "type": "value", "devices": ["cnt-1"], "keys": ["speed"]},
        {"id": "g1", "type": "gauge", "devices": ["bat-1"], "keys": ["soc"], "min": 0, "max": 100},
        {"id": "t1", "type": "table", "devices": aq, "keys": ["pm25", "pm10", "no2"]},
        {"id": "t2", "type": "table", "devices": meters, "keys": ["power"]},
        {"id": "m1", "type": "map", "devices": aq, "keys": ["pm25"]},
        {"id": "a1", "type": "alarms"},
    ]


def fill(app, days: int, bound: dict[str, list[str]]) -> int:
    """Readings every 10 minutes for `days` for each bound device, through the real writer."""
    from smartcity.telemetry.pipeline import pipeline_of
    from smartcity.telemetry.points import Point

    pipeline, now, total = pipeline_of(app), int(time.time() * 1000), 0
    start = now - days * 86_400_000
    with app.app_context():
        for device, keys in bound.items():
            points = [Point(device, key, ts, float((ts // STEP_MS + i) % 50), None)
                      for ts in range(start - start % STEP_MS, now, STEP_MS)
                      for i, key in enumerate(keys)]
            for chunk in range(0, len(points), 20_000):
                job = pipeline.submit(points[chunk:chunk + 20_000])
                assert job.wait(300) and job.error is None, job.error
            total += len(points)
    return total


def client_side_requests(board: list[dict]) -> list[str]:
    """The requests a browser dashboard without a data endpoint would make for these widgets."""
    paths = []
    for w in board:
        for device in w.get("devices", []):
            keys = ",".join(w["keys"])
            if w["type"] == "timeseries":
                paths.append(f"/api/devices/{device}/telemetry/aggregate?keys={keys}"
                             "&start=-30d&interval=1h&agg=avg")
            else:
                paths.append(f"/api/devices/{device}/telemetry/latest?keys={keys}")
        if w["type"] == "alarms":
            paths.append("/api/alerts?status=active&limit=20")
    return paths


def seconds(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args(argv)
    from smartcity.extensions import db
    from smartcity.simulator.seed import seed_city

    with ThrowawayDatabase(args.backend, PG_DB) as tdb:
        migrate_database(tdb.url)
        app = bench_app(tdb.url)
        with app.app_context():
            seed_city(Path(tempfile.mkdtemp()) / "keys.json")
            db.session.commit()
        token = admin_token(app)
        board = widgets()
        bound: dict[str, list[str]] = {}
        for w in board:
            for device in w.get("devices", []):
                bound.setdefault(device, [])
                bound[device] += [k for k in w["keys"] if k not in bound[device]]
        log(f"[{args.backend}] writing {args.days} days for {len(bound)} devices")
        points = fill(app, args.days, bound)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        made = client.post("/api/dashboards", headers=headers, json={
            "title": "Bench", "widgets": board, "time_range": f"-{args.days}d"})
        assert made.status_code == 201, made.get_json()
        url = f"/api/dashboards/{made.get_json()['id']}/data"

        def one_call():
            answer = client.get(url, headers=headers)
            assert answer.status_code == 200, answer.get_json()

        paths = client_side_requests(board)

        def many_calls():
            for path in paths:
                assert client.get(path, headers=headers).status_code == 200, path

        one_call(), many_calls()  # warm caches alike
        log(f"[{args.backend}] timing")
        ours, theirs = [], []
        for _ in range(args.reps):  # alternate, so both see the same machine load
            ours.append(seconds(one_call))
            theirs.append(seconds(many_calls))
    ours_p, theirs_p = percentiles(ours), percentiles(theirs)
    report = {"benchmark": "dashboards", "machine": machine_info(), "backend": args.backend,
              "widgets": len(board), "days": args.days, "points_written": points,
              "dashboard_data_endpoint": ours_p,
              "client_side_per_widget_requests": {**theirs_p, "requests": len(paths)},
              "target_ms": TARGET_MS, "pass": ours_p["p95_ms"] < TARGET_MS}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
