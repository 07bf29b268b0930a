#!/usr/bin/env python
"""Scale-out benchmark: single-reading HTTP posts served by 1 and by 2 processes of the real
server (gunicorn as shipped, REDIS_URL set as a multi-process deployment must), and the sizing
model of docs/deployment.md computed from what was measured.

On a 2-core machine a second process cannot show a speed-up (the load generator and the
database share the same cores), so the figures that matter are CPU per request: they say how
many cores a given load needs, whatever machine runs it. Prints one JSON document.

    .venv/bin/python bench/scale.py [--backend sqlite|postgresql] [--duration 15] [--quick]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (  # noqa: E402
    BACKENDS,
    CpuMeter,
    Server,
    ThrowawayDatabase,
    bench_app,
    create_devices,
    log,
    machine_info,
    migrate_database,
    wait_quiet,
)
from ingest_http import run_singles  # noqa: E402

PG_DB = "smartcity_bench_scale"
CITY_DEVICES = 100_000
READINGS_PER_DEVICE_PER_MIN = 1
VALUES_PER_READING = 3


def measure(backend: str, processes: int, args, tdb, keys) -> dict:
    extra = {"REDIS_URL": args.redis_url, "MQTT_URL": "",
             "SOCKETIO_CHANNEL": f"bench-scale-{os.getpid()}-{processes}"}
    wait_quiet(args.wait_quiet)
    with Server(tdb.url, processes, tdb.tmpdir, extra_env=extra) as server:
        meter = CpuMeter(server, PG_DB if backend == "postgresql" else None)
        single = run_singles(server.port, keys, args.load_processes, args.threads,
                             args.duration, args.warmup,
                             int(time.time() * 1000) - (processes + 1) * 3_600_000, meter)
    ok = max(1, single["requests_ok"])
    cpu = single["cpu"]
    return {"processes": processes, "requests_per_s": single["requests_per_s"],
            "latency": single["latency"], "errors": single["errors"],
            "cpu_ms_per_request": {
                "app": round(1000 * cpu["server_cpu_s"] / ok, 3),
                "postgres": round(1000 * cpu["postgres_cpu_s"] / ok, 3),
                "load_generator": round(1000 * cpu["client_cpu_s"] / ok, 3)},
            "others_cpu_s": cpu["others_cpu_s"]}


def sizing(per_request: dict) -> dict:
    """Cores that a city of CITY_DEVICES posting one reading a minute over HTTP keeps busy."""
    rate = CITY_DEVICES * READINGS_PER_DEVICE_PER_MIN / 60
    app = rate * per_request["app"] / 1000
    database = rate * per_request["postgres"] / 1000
    return {"devices": CITY_DEVICES, "readings_per_s": round(rate),
            "points_per_day": round(rate * VALUES_PER_READING * 86_400),
            "app_cores_busy": round(app, 2), "database_cores_busy": round(database, 2),
            "suggested": {"app_processes": max(2, round(app * 1.5 + 0.5)),
                          "cores_total": max(2, round((app + database) * 1.5 + 0.5))},
            "why_x1_5": "headroom for dashboards, alert rules and bursts"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="postgresql")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--devices", type=int, default=64)
    parser.add_argument("--load-processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL",
                                                              "redis://127.0.0.1:6379/15"))
    parser.add_argument("--wait-quiet", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 5.0, 1.0
    report = {"benchmark": "scale", "machine": machine_info(), "backend": args.backend}
    with ThrowawayDatabase(args.backend, PG_DB) as tdb:
        migrate_database(tdb.url)
        app = bench_app(tdb.url)
        keys = create_devices(app, [{"id": f"sc-{i:03d}", "type": "traffic_counter"}
                                    for i in range(args.devices)])
        app.extensions["smartcity.db"].engine.dispose()
        runs = []
        for processes in (1, 2):
            log(f"[{args.backend}] {processes} process(es)")
            runs.append(measure(args.backend, processes, args, tdb, keys))
    report["runs"] = runs
    report["sizing_100k_devices_http"] = sizing(runs[-1]["cpu_ms_per_request"])
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
