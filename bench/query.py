#!/usr/bin/env python
"""Query benchmark: aggregates and latest values over 100 devices x 30 days at 1-minute
resolution (4.32 M raw points of one key) through the live server (gunicorn, 2 workers).

The database is filled fast and directly (PostgreSQL COPY / SQLite executemany of the raw rows
into `telemetry`, then one INSERT..SELECT GROUP BY per rollup table and one for
`telemetry_latest`), which gives exactly what the writer would have produced. Then, 50+ times
each, one keep-alive connection:

- fleet aggregate   GET /api/telemetry/aggregate?key=pm25&device_type=..&start=-30d&interval=1h
- device aggregate  GET /api/devices/<id>/telemetry/aggregate?keys=pm25&start=-30d&interval=1h|1d
- latest            GET /api/devices/<id>/telemetry/latest

Baseline in the same run: the fleet aggregate computed from raw rows with one SQL GROUP BY (what
a platform without rollups does); the API's answer is also checked against it.
Targets (DESIGN.md): aggregate p95 < 50 ms, latest p95 < 10 ms.

    .venv/bin/python bench/query.py [--backend sqlite|postgresql|both] [--quick] [--reps N]
"""

import argparse
import json
import math
import os
import random
import sqlite3
import sys
import time

import orjson

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (  # noqa: E402
    BACKENDS,
    CpuMeter,
    Profiler,
    RawClient,
    Server,
    ThrowawayDatabase,
    admin_token,
    bench_app,
    build_request,
    create_devices,
    load_report,
    log,
    machine_info,
    migrate_database,
    percentiles,
    pg_dsn,
    pg_settings,
    wait_quiet,
)

PG_DB = "smartcity_bench_query"
KEY = "pm25"
DEVICE_TYPE = "air_quality_station"
MINUTE, HOUR, DAY = 60_000, 3_600_000, 86_400_000
TARGETS = {"aggregate_p95_ms": 50.0, "latest_p95_ms": 10.0}


# -- fill --------------------------------------------------------------------------------------

def device_values(index: int, start: int, minutes: int):
    """A plausible PM2.5 series: daily cycle + per-device offset + noise."""
    rng = random.Random(index)
    offset = 5 + 10 * rng.random()
    two_pi_day = 2 * math.pi / DAY
    for m in range(minutes):
        ts = start + m * MINUTE
        yield ts, round(offset + 8 * math.sin(ts * two_pi_day) + rng.gauss(0, 2) + 10, 2)


def rollup_sql(table: str, width: int) -> str:
    return (f"INSERT INTO {table} (device_id, key_id, bucket, count, sum, min, max) "
            f"SELECT device_id, key_id, (ts / {width}) * {width}, COUNT(*), SUM(value), "
            f"MIN(value), MAX(value) FROM telemetry WHERE value IS NOT NULL "
            f"GROUP BY device_id, key_id, (ts / {width}) * {width}")


LATEST_SQL = {
    # the newest row per (device, key)
    "postgresql": "INSERT INTO telemetry_latest (device_id, key_id, ts, value, text_value) "
                  "SELECT DISTINCT ON (device_id, key_id) device_id, key_id, ts, value, "
                  "text_value FROM telemetry ORDER BY device_id, key_id, ts DESC",
    # SQLite: with MAX(), the bare columns come from the row holding the maximum
    "sqlite": "INSERT INTO telemetry_latest (device_id, key_id, ts, value, text_value) "
              "SELECT device_id, key_id, MAX(ts), value, text_value FROM telemetry "
              "GROUP BY device_id, key_id",
}


def fill_postgresql(url: str, devices: list[str], key_id: int, start: int, minutes: int) -> dict:
    import psycopg

    from smartcity.database import make_engine
    from smartcity.telemetry.partitions import Partitions

    timings = {}
    engine = make_engine(url)
    Partitions().ensure(engine, start, start + minutes * MINUTE)  # the app's weekly partitions
    engine.dispose()
    with psycopg.connect(pg_dsn(url)) as conn:
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
                "COPY telemetry (device_id, key_id, ts, value) FROM STDIN") as copy:
            for index, device in enumerate(devices):
                prefix = f"{device}\t{key_id}\t"
                copy.write("".join(f"{prefix}{ts}\t{v}\n"
                                   for ts, v in device_values(index, start, minutes)))
        conn.commit()
        timings["raw_copy_s"] = time.perf_counter() - t0
        for table, width in (("telemetry_1m", MINUTE), ("telemetry_1h", HOUR)):
            t0 = time.perf_counter()
            conn.execute(rollup_sql(table, width))
            conn.commit()
            timings[f"{table}_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.execute(LATEST_SQL["postgresql"])
        conn.commit()
        timings["latest_s"] = time.perf_counter() - t0
    with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
        t0 = time.perf_counter()
        conn.execute("VACUUM ANALYZE")  # what autovacuum would have done by the time of reads
        timings["vacuum_analyze_s"] = time.perf_counter() - t0
    return {k: round(v, 2) for k, v in timings.items()}


def fill_sqlite(path: str, devices: list[str], key_id: int, start: int, minutes: int) -> dict:
    timings = {}
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    for index, device in enumerate(devices):
        conn.executemany("INSERT INTO telemetry (device_id, key_id, ts, value) VALUES (?, ?, ?, ?)",
                         ((device, key_id, ts, v) for ts, v in device_values(index, start,
                                                                             minutes)))
    conn.execute("COMMIT")
    timings["raw_executemany_s"] = time.perf_counter() - t0
    for table, width in (("telemetry_1m", MINUTE), ("telemetry_1h", HOUR)):
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute(rollup_sql(table, width))
        conn.execute("COMMIT")
        timings[f"{table}_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(LATEST_SQL["sqlite"])
    conn.execute("COMMIT")
    timings["latest_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    timings["analyze_s"] = time.perf_counter() - t0
    conn.close()
    return {k: round(v, 2) for k, v in timings.items()}


def table_counts(url: str) -> dict:
    from sqlalchemy import text

    from smartcity.database import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.scalar(text(f"SELECT COUNT(*) FROM {t}")) for t in
                    ("telemetry", "telemetry_1m", "telemetry_1h", "telemetry_latest")}
    finally:
        engine.dispose()


# -- the raw-rows baseline ---------------------------------------------------------------------

def raw_group_by(backend: str, url: str, key_id: int, start: int, end: int, reps: int):
    """The fleet aggregate from raw rows, one SQL GROUP BY; returns (timings, {bucket: avg})."""
    sql = ("SELECT (ts / {h}) * {h} AS b, AVG(value) FROM telemetry "
           "WHERE key_id = {p} AND ts >= {p} AND ts < {p} AND value IS NOT NULL AND device_id IN "
           "(SELECT id FROM devices WHERE type = {p}) GROUP BY b ORDER BY b")
    params = (key_id, start, end, DEVICE_TYPE)
    timings, rows = [], []
    if backend == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        query = sql.format(h=HOUR, p="?")
        for _ in range(reps):
            t0 = time.perf_counter()
            rows = conn.execute(query, params).fetchall()
            timings.append(time.perf_counter() - t0)
        conn.close()
    else:
        import psycopg

        with psycopg.connect(pg_dsn(url)) as conn:
            query = sql.format(h=HOUR, p="%s")
            for _ in range(reps):
                t0 = time.perf_counter()
                rows = conn.execute(query, params).fetchall()
                timings.append(time.perf_counter() - t0)
    return timings, {int(b): float(v) for b, v in rows}


# -- the server's first jobs -------------------------------------------------------------------

def wait_first_jobs(url: str, timeout_s: float = 90.0) -> dict:
    """Wait until the server's scheduler has run its first round of periodic jobs.

    The first tick (15 s after start) finds every job due, the derived-values job included,
    which backfills 48 h of AQI for the 100 stations (~1 s of CPU in a worker, and writes);
    in a running city that happened long ago, so it must not land in a measured phase."""
    from sqlalchemy import text

    from smartcity.database import make_engine

    engine = make_engine(url)
    started = time.monotonic()
    jobs: dict = {}
    previous = None
    try:
        while time.monotonic() - started < timeout_s:
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT name, last_started, last_finished, last_duration_ms "
                    "FROM job_runs ORDER BY name")).all()
            jobs = {name: duration for name, _, _, duration in rows}
            # jobs are claimed one after the other: done when all finished, twice the same
            if rows and rows == previous and all(
                    done is not None and done >= begun for _, begun, done, _ in rows):
                break
            previous = rows
            time.sleep(1.0)
    finally:
        engine.dispose()
    log(f"first jobs: {jobs}")
    return {"waited_s": round(time.monotonic() - started, 1), "duration_ms": jobs}


# -- the API -----------------------------------------------------------------------------------

def timed_gets(client: RawClient, port: int, token: str, paths: list[str], check=None):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    latencies, errors, last = [], 0, None
    for path in paths:
        raw = build_request("GET", path, port, headers)
        t0 = time.perf_counter()
        status, body = client.request(raw)
        latencies.append(time.perf_counter() - t0)
        if status != 200:
            errors += 1
            if errors <= 3:
                log(f"GET {path} -> {status}: {body[:200]!r}")
            continue
        last = body
        if check is not None:
            check(orjson.loads(body))
    return latencies, errors, last


def run_backend(backend: str, args) -> dict:
    out: dict = {"backend": backend}
    n_devices, days = args.devices, args.days
    minutes = days * 1440
    with ThrowawayDatabase(backend, PG_DB, keep=args.keep) as tdb:
        log(f"[{backend}] migrating {tdb.url}")
        migrate_database(tdb.url)
        if backend == "postgresql":
            out["postgresql_settings"] = pg_settings(pg_dsn(tdb.url))
        app = bench_app(tdb.url)
        devices = [f"aq-{i:03d}" for i in range(n_devices)]
        create_devices(app, [{"id": d, "type": DEVICE_TYPE} for d in devices])
        # other devices in the registry, without data, so that the type filter means something
        create_devices(app, [{"id": f"nz-{i:03d}", "type": "noise_sensor"} for i in range(20)])
        token = admin_token(app)
        from smartcity.extensions import db
        from smartcity.telemetry.keys import key_dictionary

        with app.app_context(), db.engine.begin() as conn:
            key_id = key_dictionary(app).ids(conn, {KEY})[KEY]
        app.extensions["smartcity.db"].engine.dispose()

        now = int(time.time() * 1000)
        end = now // MINUTE * MINUTE  # exclusive: last point is one minute before
        start = end - minutes * MINUTE
        log(f"[{backend}] filling {n_devices} devices x {days} days = "
            f"{n_devices * minutes:,} raw points")
        t0 = time.perf_counter()
        if backend == "postgresql":
            fill = fill_postgresql(tdb.url, devices, key_id, start, minutes)
        else:
            fill = fill_sqlite(tdb.url.removeprefix("sqlite:///"), devices, key_id, start,
                               minutes)
        fill["total_s"] = round(time.perf_counter() - t0, 2)
        fill["rows"] = table_counts(tdb.url)
        fill["expected_raw_rows"] = n_devices * minutes
        fill["raw_rows_ok"] = fill["rows"]["telemetry"] == n_devices * minutes
        out["fill"] = fill
        log(f"[{backend}] filled in {fill['total_s']} s: {fill['rows']}")

        span = f"-{days}d"
        reps = args.reps
        rng = random.Random(1)
        fleet_path = (f"/api/telemetry/aggregate?key={KEY}&device_type={DEVICE_TYPE}"
                      f"&start={span}&interval=1h&agg=avg")
        queries = {
            "fleet_aggregate_1h": [fleet_path] * reps,
            "device_aggregate_1h": [
                f"/api/devices/{rng.choice(devices)}/telemetry/aggregate?keys={KEY}"
                f"&start={span}&interval=1h&agg=avg" for _ in range(reps)],
            "device_aggregate_1d": [
                f"/api/devices/{rng.choice(devices)}/telemetry/aggregate?keys={KEY}"
                f"&start={span}&interval=1d&agg=avg" for _ in range(reps)],
            "latest": [f"/api/devices/{rng.choice(devices)}/telemetry/latest"
                       for _ in range(reps)],
        }
        checks: dict = {}

        def check_fleet(body):
            checks["fleet_devices"] = body.get("devices")
            checks["fleet_buckets"] = len(body["series"].get(KEY, []))
            checks["fleet_series"] = body["series"].get(KEY, [])

        def check_device(body):
            checks["device_buckets"] = len(body["series"].get(KEY, []))

        def check_latest(body):
            checks["latest_ok"] = KEY in body.get("values", {})

        check_of = {"fleet_aggregate_1h": check_fleet, "device_aggregate_1h": check_device,
                    "device_aggregate_1d": None, "latest": check_latest}

        out["load_before"] = wait_quiet(args.wait_quiet)
        results = {}
        with Server(tdb.url, args.workers, tdb.tmpdir) as server:
            out["server"] = {"kind": server.kind, "workers": args.workers,
                             "command": " ".join(server.command[1:])}
            client = RawClient(server.port, timeout=120)
            meter = CpuMeter(server, PG_DB if backend == "postgresql" else None)
            # warm-up: every worker's first requests import, connect and fill caches
            for paths in queries.values():
                for _ in range(2):
                    client.close()  # a new connection may land on the other worker
                    timed_gets(client, server.port, token, paths[:3])
            client.close()
            out["server"]["first_jobs"] = wait_first_jobs(tdb.url)
            for name, paths in queries.items():
                # each kind takes seconds: wait for a quiet machine before each, not only once
                load = wait_quiet(args.wait_quiet_phase)
                log(f"[{backend}] {name} x{len(paths)}")
                with Profiler(server, args.profile, f"{backend}-{name}"):
                    before = meter.snapshot()
                    latencies, errors, _ = timed_gets(client, server.port, token, paths,
                                                      check_of[name])
                    cpu = CpuMeter.delta(before, meter.snapshot())
                # CPU per request does not depend on who else uses the machine; latency does
                cpu["server_cpu_ms_per_request"] = round(1000 * cpu["server_cpu_s"] / len(paths), 2)
                cpu["postgres_cpu_ms_per_request"] = round(
                    1000 * cpu["postgres_cpu_s"] / len(paths), 2)
                # other load on the machine during the phase, in cores: above ~0.2 the
                # latencies carry someone else's work (the CPU per request much less so)
                cpu["others_cores"] = round(cpu["others_cpu_s"] / cpu["wall_s"], 2) \
                    if cpu["wall_s"] else None
                results[name] = {"path": paths[0], **percentiles(latencies), "errors": errors,
                                 "cpu": cpu, "load_before": load}
            client.close()
            if any(r["errors"] for r in results.values()):
                log(f"[{backend}] server log tail:\n{server.log_tail(80)}")
        out["queries"] = results
        out["disturbed_queries"] = [name for name, r in results.items()
                                    if (r["cpu"]["others_cores"] or 0) > 0.2]

        log(f"[{backend}] baseline: raw GROUP BY x{args.baseline_reps}")
        out["load_before_baseline"] = load_report()
        query_start = now - days * DAY
        timings, raw = raw_group_by(backend, tdb.url, key_id, query_start, now + 1,
                                    args.baseline_reps)
        api = {p["ts"]: p["value"] for p in checks.pop("fleet_series", [])}
        common = set(api) & set(raw)
        common -= {min(common, default=None), max(common, default=None)}  # partial edge buckets
        max_diff = max((abs(api[b] - raw[b]) for b in common), default=None)
        out["baseline_raw_group_by"] = {
            "sql": "SELECT (ts/3600000)*3600000 b, AVG(value) FROM telemetry WHERE key_id=? AND "
                   "ts>=? AND ts<? AND device_id IN (SELECT id FROM devices WHERE type=?) "
                   "GROUP BY b",
            **percentiles(timings), "buckets": len(raw)}
        fleet_p50 = results["fleet_aggregate_1h"]["p50_ms"]
        out["fleet_speedup_vs_raw_p50"] = round(
            out["baseline_raw_group_by"]["p50_ms"] / fleet_p50, 1) if fleet_p50 else None
        checks.update({"fleet_buckets_raw": len(raw), "fleet_buckets_compared": len(common),
                       "fleet_max_abs_diff_vs_raw": max_diff,
                       "fleet_matches_raw": bool(common) and max_diff is not None
                       and max_diff < 1e-6 and len(common) >= len(raw) - 3})
        out["checks"] = checks
        out["targets"] = {
            name: {"p95_ms": r["p95_ms"],
                   "target_ms": TARGETS["latest_p95_ms" if name == "latest"
                                        else "aggregate_p95_ms"],
                   "pass": r["errors"] == 0 and r["p95_ms"] < TARGETS[
                       "latest_p95_ms" if name == "latest" else "aggregate_p95_ms"]}
            for name, r in results.items()}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="10 devices x 3 days, 20 reps")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--reps", type=int, default=100, help="requests per query kind (>= 50)")
    parser.add_argument("--baseline-reps", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--wait-quiet", type=float, default=120.0, metavar="S",
                        help="wait up to S seconds for other load on the machine to stop")
    parser.add_argument("--wait-quiet-phase", type=float, default=30.0, metavar="S",
                        help="before each query kind, wait up to S seconds for quiet")
    parser.add_argument("--profile", metavar="DIR", help="py-spy the workers per query kind")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway databases")
    args = parser.parse_args(argv)
    if args.quick:
        args.devices, args.days, args.reps, args.baseline_reps = 10, 3, 20, 3
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    report = {"benchmark": "query", "quick": args.quick, "machine": machine_info(),
              "dataset": {"devices": args.devices, "days": args.days, "key": KEY,
                          "resolution": "1m", "raw_points": args.devices * args.days * 1440},
              "targets": TARGETS, "results": {}}
    for backend in backends:
        report["results"][backend] = run_backend(backend, args)
    report["pass"] = {b: {name: t["pass"] for name, t in r["targets"].items()}
                      | {"fleet_matches_raw": r["checks"]["fleet_matches_raw"],
                         "raw_rows_ok": r["fill"]["raw_rows_ok"]}
                      for b, r in report["results"].items()}
    report["all_pass"] = all(all(v.values()) for v in report["pass"].values())
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
