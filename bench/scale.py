#!/usr/bin/env python
"""Scale-out benchmark, 1 vs 2 processes of the real server (gunicorn as shipped, REDIS_URL set
as a multi-process deployment must):

(a) single-reading HTTP posts: one gunicorn with 1, then 2 workers;
(b) Socket.IO fan-out: 1, then 2 single-worker gunicorns on their own ports (as `serve-prod`
    runs them), `--clients` socket.io-client clients (Node, bench/realtime_clients.mjs) split
    evenly between them, each in every device's room; readings posted over HTTP to the first
    process at `--fanout-rate`, so with 2 processes half the deliveries cross Redis (a
    redis-server of the benchmark's own, whose CPU is counted). The same posts with no client
    connected, in the same run, are the baseline: CPU per delivery = (CPU with clients - CPU
    without) / deliveries;
and the sizing model of docs/deployment.md computed from what was measured.

On a 2-core machine a second process cannot show a speed-up (the load generator and the
database share the same cores), so the figures that matter are CPU per request and per
delivery: they say how many cores a given load needs, whatever machine runs it. Prints one
JSON document.

    .venv/bin/python bench/scale.py [--backend sqlite|postgresql] [--duration 15] [--quick]
"""

import argparse
import array
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _common import (  # noqa: E402
    BACKENDS,
    CpuMeter,
    RawClient,
    Server,
    ThrowawayDatabase,
    _cpu_of,
    bench_app,
    create_devices,
    free_port,
    log,
    machine_busy_s,
    machine_info,
    migrate_database,
    percentiles,
    wait_quiet,
)
from ingest_http import run_singles  # noqa: E402
from realtime import PASSWORD, USERNAME, NodeClients  # noqa: E402

from tests.broker import wait_port  # noqa: E402

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


# -- (b) Socket.IO fan-out ---------------------------------------------------------------------

class OwnRedis:
    """A redis-server of the benchmark's own on a free port: its CPU is ours alone."""

    def __enter__(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(binary):
            raise SystemExit("redis-server is not installed")
        self.port = free_port()
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(15)


def post_paced(port: int, keys: list[tuple[str, str]], rate: float, duration: float,
               first_seq: int) -> dict:
    """POST one reading {"seq", "v"} per 1/rate s, round robin over the devices; ts = now."""
    client = RawClient(port)
    prefix = [(f"POST /api/telemetry HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-Key: {key}"
               "\r\nContent-Type: application/json\r\n").encode() for _d, key in keys]
    last_ts = [0] * len(keys)
    n, ok, errors = int(rate * duration), 0, 0
    started = time.perf_counter()
    for i in range(n):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        d = i % len(keys)
        last_ts[d] = ts = max(int(time.time() * 1000), last_ts[d] + 1)
        body = json.dumps({"ts": ts, "values": {"seq": first_seq + i, "v": i % 100}}).encode()
        try:
            status, _ = client.request(prefix[d] + b"Content-Length: " + str(len(body)).encode()
                                       + b"\r\n\r\n" + body)
        except OSError:
            client.close()
            status = 0
        ok, errors = ok + (status == 201), errors + (status != 201)
    client.close()
    return {"posted": ok, "errors": errors, "wall_s": round(time.perf_counter() - started, 2)}


def _cpu(pids: list[int]) -> float:
    return sum(_cpu_of(p) for p in pids)


def fanout(processes: int, args, tdb, keys: dict, redis) -> dict:
    """Post readings to the first of `processes` servers, without then with clients."""
    devices = sorted(keys.items())[:args.fanout_devices]
    env = {"REDIS_URL": redis.url, "MQTT_URL": "", "LOGIN_RATE_LIMIT": "10000 per minute",
           "SOCKETIO_CHANNEL": f"bench-scale-fanout-{uuid.uuid4().hex[:8]}"}
    wait_quiet(args.wait_quiet)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(Server(tdb.url, 1, tdb.tmpdir, extra_env=env))
                   for _ in range(processes)]
        pids = [p for server in servers for p in server.pids()] + [redis.proc.pid]
        duration, seq = args.fanout_duration, 0

        def phase(groups) -> dict:
            nonlocal seq
            before, machine0 = _cpu(pids), machine_busy_s()[0]
            posted = post_paced(servers[0].port, devices, args.fanout_rate, duration, seq)
            seq += int(args.fanout_rate * duration)
            expected = posted["posted"] * args.clients if groups else 0
            deadline = time.monotonic() + 15
            while groups and sum(g.delivered() for g in groups) < expected and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            posted.update(cpu_s=round(_cpu(pids) - before, 3),
                          others_cpu_s=round(max(0.0, machine_busy_s()[0] - machine0
                                                 - (_cpu(pids) - before)), 2))
            return posted

        post_paced(servers[0].port, devices, args.fanout_rate, 1.0, 10**8)  # warm-up
        alone = phase([])
        split = [args.clients // processes + (i < args.clients % processes)
                 for i in range(processes)]
        groups = [NodeClients({"url": f"http://127.0.0.1:{server.port}",
                               "devices": [d for d, _k in devices], "clients": count,
                               "max_seq": 2 * int(args.fanout_rate * duration) + 16,
                               "username": USERNAME, "password": PASSWORD,
                               "inline_dispatch": True})
                  for server, count in zip(servers, split, strict=True)]
        try:
            for group in groups:
                if not group.wait_ready(180):
                    raise RuntimeError("fan-out clients did not get ready")
            time.sleep(1.0)
            watched = phase(groups)
        finally:
            for group in groups:
                group.stop()
        parts = [group.result(60) for group in groups]
    latencies = array.array("d")
    for part in parts:
        latencies.frombytes(part["latency_ms_bytes"])
    delivered = sum(sum(p["per_client_delivered"]) for p in parts)
    expected = watched["posted"] * args.clients
    per_reading = alone["cpu_s"] / max(1, alone["posted"])
    fan_cpu = watched["cpu_s"] - per_reading * watched["posted"]
    return {"processes": processes, "clients": args.clients, "clients_per_process": split,
            "rate_per_s": args.fanout_rate, "duration_s": duration,
            "devices": len(devices), "posted": watched["posted"],
            "expected_deliveries": expected, "delivered": delivered,
            "lost": expected - delivered, "errors": [p["error"] for p in parts if p["error"]],
            "latency": percentiles([x / 1000 for x in latencies]),
            "cpu_s": {"no_clients": alone["cpu_s"], "with_clients": watched["cpu_s"]},
            "others_cpu_s": {"no_clients": alone["others_cpu_s"],
                             "with_clients": watched["others_cpu_s"]},
            "cpu_ms_per_reading_without_clients": round(1000 * per_reading, 3),
            "cpu_us_per_delivery": round(1e6 * fan_cpu / max(1, delivered), 1),
            "what": "CPU of the app processes and of Redis; per delivery = (with clients - "
                    "the same posts without clients) / deliveries"}


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
    parser.add_argument("--clients", type=int, default=20, help="fan-out: Socket.IO clients")
    parser.add_argument("--fanout-rate", type=float, default=100.0,
                        help="fan-out: readings posted per second")
    parser.add_argument("--fanout-duration", type=float, default=15.0)
    parser.add_argument("--fanout-devices", type=int, default=16)
    parser.add_argument("--no-fanout", action="store_true", help="skip the fan-out phase (b)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.fanout_duration = 5.0, 1.0, 5.0
    report = {"benchmark": "scale", "machine": machine_info(), "backend": args.backend}
    with ThrowawayDatabase(args.backend, PG_DB) as tdb:
        migrate_database(tdb.url)
        app = bench_app(tdb.url)
        keys = create_devices(app, [{"id": f"sc-{i:03d}", "type": "traffic_counter"}
                                    for i in range(args.devices)])
        if not args.no_fanout:
            from smartcity.auth import service
            from smartcity.extensions import db

            with app.app_context():
                service.create_user({"username": USERNAME, "password": PASSWORD,
                                     "role": "viewer", "email": f"{USERNAME}@bench.invalid"})
                db.session.commit()
        app.extensions["smartcity.db"].engine.dispose()
        runs = []
        for processes in (1, 2):
            log(f"[{args.backend}] single posts, {processes} process(es)")
            runs.append(measure(args.backend, processes, args, tdb, keys))
        report["runs"] = runs
        if not args.no_fanout:
            fan = []
            with OwnRedis() as redis:
                for processes in (1, 2):
                    log(f"[{args.backend}] fan-out, {processes} process(es)")
                    fan.append(fanout(processes, args, tdb, keys, redis))
                    log(f"  {fan[-1]['cpu_us_per_delivery']} us CPU per delivery, "
                        f"lost {fan[-1]['lost']}")
            report["fanout"] = fan
    report["sizing_100k_devices_http"] = sizing(runs[-1]["cpu_ms_per_request"])
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
