#!/usr/bin/env python
"""HTTP ingest benchmark: the real server (gunicorn, 2 gthread workers) on a throwaway database.

(a) batch ingest: POST /api/telemetry/batch, 10,000-point batches (1,000 items x 10 keys) from
    several client threads; points/s, and every accepted point must be in `telemetry`.
(b) baselines in the same run, on an identical fresh table (same columns, same primary key):
    SQLite one-transaction executemany (WAL, synchronous=NORMAL) and PostgreSQL COPY (psycopg 3
    cursor.copy) of the same rows, run before the server and again after it (the median of 3
    runs; 5 for small batches); ratio = HTTP points/s / baseline rows/s.
(a') small batches: the same with 2,000-point batches (200 items x 10 keys), against the same
    baselines committed once per batch (a gateway's request-sized transactions).
(c) single readings: POST /api/telemetry with X-API-Key, 3 values each, 16 keep-alive
    connections from separate load processes for ~20 s; requests/s, latency percentiles, errors,
    committed rows == 201s x 3; and the naive baseline: one INSERT + COMMIT per reading.

Prints one JSON document on stdout (progress on stderr).

    .venv/bin/python bench/ingest_http.py [--backend sqlite|postgresql|both] [--points N] [--quick]
"""

import argparse
import http.client
import json
import math
import multiprocessing
import os
import queue
import random
import sqlite3
import sys
import tempfile
import threading
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
    _cpu_of,
    admin_token,
    bench_app,
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

PG_DB = "smartcity_bench"
BATCH_KEYS = ("temperature", "humidity", "pressure", "wind_speed", "wind_dir", "rain",
              "irradiance", "pm25", "pm10", "no2")
SINGLE_KEYS = ("intensity", "occupancy", "speed")
TARGETS = {
    "batch_ratio_sqlite_executemany": 0.5,
    "batch_ratio_postgresql_copy": 0.4,
    "small_batch_ratio_sqlite_executemany": 0.5,
    "small_batch_ratio_postgresql_copy": 0.4,
    "single_vs_floor_ratio": 0.5,
    "single_requests_per_s": 1500,
    "single_p99_ms": 50,
}
BASELINE_KEY_IDS = {k: i + 1 for i, k in enumerate(BATCH_KEYS)}  # a table of its own: any ids
TABLE_DDL = ("(device_id VARCHAR(64) NOT NULL, key_id INTEGER NOT NULL, ts BIGINT NOT NULL, "
             "value {float}, text_value TEXT, PRIMARY KEY (device_id, key_id, ts))")


# -- data --------------------------------------------------------------------------------------

def batch_plan(points: int, devices: list[str], items_per_batch: int, base_ts: int):
    """Bodies of the batches and the exact rows they carry (for baselines and checks)."""
    rng = random.Random(42)
    n_items = math.ceil(points / len(BATCH_KEYS))
    bodies, rows = [], []
    for start in range(0, n_items, items_per_batch):
        items = []
        for g in range(start, min(start + items_per_batch, n_items)):
            device = devices[g % len(devices)]
            ts = base_ts + (g // len(devices)) * 1000
            values = {k: round(rng.uniform(0, 100), 3) for k in BATCH_KEYS}
            items.append({"device_id": device, "ts": ts, "values": values})
            rows.extend((device, k, ts, v) for k, v in values.items())
        bodies.append((orjson.dumps(items), len(items) * len(BATCH_KEYS)))
    return bodies, rows


# -- (a) batch ingest --------------------------------------------------------------------------

def run_batches(port: int, token: str, bodies, clients: int, keepalive: bool) -> dict:
    work: queue.Queue = queue.Queue()
    for body in bodies:
        work.put(body)
    lock = threading.Lock()
    totals = {"requests": 0, "status": {}, "points_sent": 0, "points_accepted": 0,
              "stored_reported": 0, "duplicates_reported": 0, "rejected_items": 0,
              "retries_503": 0, "latencies": []}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def worker():
        conn = None
        while True:
            try:
                body, npoints = work.get_nowait()
            except queue.Empty:
                break
            for _attempt in range(10):
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                started = time.perf_counter()
                try:
                    conn.request("POST", "/api/telemetry/batch", body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = None
                    with lock:
                        totals["status"]["exception"] = totals["status"].get("exception", 0) + 1
                    time.sleep(0.5)
                    continue
                elapsed = time.perf_counter() - started
                if not keepalive:
                    conn.close()
                    conn = None
                with lock:
                    totals["requests"] += 1
                    totals["status"][resp.status] = totals["status"].get(resp.status, 0) + 1
                    totals["latencies"].append(elapsed)
                    if resp.status == 201:
                        answer = orjson.loads(data)
                        totals["points_sent"] += npoints
                        totals["points_accepted"] += answer["points"]
                        totals["stored_reported"] += answer["stored"]
                        totals["duplicates_reported"] += answer["duplicates"]
                        totals["rejected_items"] += len(answer["rejected"])
                if resp.status == 503:
                    with lock:
                        totals["retries_503"] += 1
                    time.sleep(float(resp.getheader("Retry-After") or 1))
                    continue
                if resp.status != 201:
                    log(f"batch answered {resp.status}: {data[:300]!r}")
                break
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies = totals.pop("latencies")
    totals["status"] = {str(k): v for k, v in totals["status"].items()}
    totals.update({"elapsed_s": round(elapsed, 3),
                   "points_per_s": round(totals["stored_reported"] / elapsed),
                   "request_latency": percentiles(latencies)})
    return totals


# -- (c) single readings: load processes ---------------------------------------------------------

def _single_thread(port, devices, base_ts, start_at, measure_from, end_at, out, index):
    client = RawClient(port, timeout=30)
    prefix = [(f"POST /api/telemetry HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-Key: {key}\r\n"
               "Content-Type: application/json\r\n").encode() for _device, key in devices]
    rng = random.Random(index)
    stats = {"ok_total": 0, "ok": 0, "errors": 0, "errors_total": 0, "status": {},
             "exceptions": 0, "latencies": []}
    n = 0
    while time.time() < start_at:
        time.sleep(0.01)
    while True:
        now = time.time()
        if now >= end_at:
            break
        d = n % len(devices)
        ts = base_ts + n // len(devices)
        body = orjson.dumps({"ts": ts, "values": {"intensity": rng.randint(0, 3000),
                                                  "occupancy": round(rng.random() * 100, 2),
                                                  "speed": round(rng.random() * 90, 1)}})
        raw = prefix[d] + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        n += 1
        t0 = time.perf_counter()
        try:
            status, _answer = client.request(raw)
        except Exception:  # noqa: BLE001 - counted, the load goes on
            client.close()
            stats["exceptions"] += 1
            if now >= measure_from:
                stats["errors"] += 1
            continue
        latency = time.perf_counter() - t0
        measured = now >= measure_from
        if status == 201:
            stats["ok_total"] += 1
            if measured:
                stats["ok"] += 1
        else:
            stats["errors_total"] += 1
            stats["status"][status] = stats["status"].get(status, 0) + 1
            if measured:
                stats["errors"] += 1
        if measured:
            stats["latencies"].append(latency)
    client.close()
    out.append(stats)


def single_load_process(port, devices, threads, base_ts, start_at, measure_from, end_at,
                        result_queue):
    """One load process: `threads` keep-alive connections, each with its own devices."""
    out: list[dict] = []
    per = [devices[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=_single_thread, args=(
        port, per[i], base_ts, start_at, measure_from, end_at, out, i)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    merged = {"ok_total": 0, "ok": 0, "errors": 0, "errors_total": 0, "exceptions": 0,
              "status": {}, "latencies": []}
    for s in out:
        for k in ("ok_total", "ok", "errors", "errors_total", "exceptions"):
            merged[k] += s[k]
        for k, v in s["status"].items():
            merged["status"][str(k)] = merged["status"].get(str(k), 0) + v
        merged["latencies"].extend(s["latencies"])
    result_queue.put(merged)


def run_singles(port: int, api_keys: dict[str, str], processes: int, threads: int,
                duration: float, warmup: float, base_ts: int, meter: CpuMeter) -> dict:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    devices = sorted(api_keys.items())
    per_proc = [devices[i::processes] for i in range(processes)]
    start_at = time.time() + 4.0  # time to spawn and import
    measure_from = start_at + warmup
    end_at = measure_from + duration
    procs = [ctx.Process(target=single_load_process, args=(
        port, per_proc[i], threads, base_ts, start_at, measure_from, end_at, results))
        for i in range(processes)]
    for p in procs:
        p.start()
    pids = [p.pid for p in procs]
    time.sleep(max(0.0, measure_from - time.time()))
    before = meter.snapshot(pids)
    time.sleep(max(0.0, end_at - time.time() - 0.05))
    after = meter.snapshot(pids)
    merged = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for m in merged for x in m["latencies"]]
    ok = sum(m["ok"] for m in merged)
    status: dict[str, int] = {}
    for m in merged:
        for k, v in m["status"].items():
            status[k] = status.get(k, 0) + v
    cpu = CpuMeter.delta(before, after)
    return {"connections": processes * threads, "load_processes": processes,
            "duration_s": duration, "warmup_s": warmup,
            "requests_ok": ok, "requests_per_s": round(ok / duration, 1),
            "errors": sum(m["errors"] for m in merged),
            "errors_total_incl_warmup": sum(m["errors_total"] for m in merged),
            "exceptions": sum(m["exceptions"] for m in merged), "error_status": status,
            "latency": percentiles(latencies),
            "requests_201_total_incl_warmup": sum(m["ok_total"] for m in merged),
            "cpu": cpu}


# -- (b) baselines -----------------------------------------------------------------------------

def chunks(rows: list[tuple], per: int | None) -> list[list[tuple]]:
    """The rows as the transactions a baseline commits: all at once, or `per` rows each."""
    per = per or len(rows) or 1
    return [rows[i:i + per] for i in range(0, len(rows), per)]


def sqlite_executemany(path: str, rows: list[tuple], per: int | None = None) -> dict:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE telemetry " + TABLE_DDL.format(float="FLOAT"))
    started = time.perf_counter()
    for chunk in chunks(rows, per):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO telemetry VALUES (?, ?, ?, ?, ?)", chunk)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    count = conn.execute("SELECT COUNT(*) FROM telemetry").fetchone()[0]
    conn.close()
    return {"method": "sqlite3 executemany, WAL, synchronous=NORMAL, "
                      + (f"one transaction per {per} rows" if per else "one transaction"),
            "rows": count, "elapsed_s": round(elapsed, 3), "rows_per_s": round(count / elapsed)}


def pg_copy(dsn: str, rows: list[tuple], per: int | None = None) -> dict:
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy " + TABLE_DDL.format(float="DOUBLE PRECISION"))
        conn.commit()
        backend_pid = conn.info.backend_pid  # its CPU is the server side of the COPY
        backend_cpu = _cpu_of(backend_pid)
        started = time.perf_counter()
        for chunk in chunks(rows, per):
            with conn.cursor() as cur, cur.copy("COPY bench_copy (device_id, key_id, ts, value, "
                                                "text_value) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row(row)
            conn.commit()
        elapsed = time.perf_counter() - started
        backend_cpu = _cpu_of(backend_pid) - backend_cpu
        count = conn.execute("SELECT COUNT(*) FROM bench_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_copy")
    return {"method": "psycopg 3 cursor.copy (write_row) into a plain table with the same columns "
                      "and primary key, "
                      + (f"one transaction per {per} rows" if per else "one transaction"),
            "rows": count, "elapsed_s": round(elapsed, 3), "rows_per_s": round(count / elapsed),
            "backend_cpu_s": round(backend_cpu, 2)}


def naive_per_row(backend: str, target: str, key_ids: list[int], duration: float) -> dict:
    """One INSERT (one reading, 3 rows) + COMMIT per reading, one connection."""
    rng = random.Random(7)
    base = int(time.time() * 1000) - 3_600_000
    if backend == "sqlite":
        conn = sqlite3.connect(target, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE naive " + TABLE_DDL.format(float="FLOAT"))
        sql = "INSERT INTO naive VALUES (?, ?, ?, ?, NULL), (?, ?, ?, ?, NULL), (?, ?, ?, ?, NULL)"

        def one(i):
            conn.execute("BEGIN")
            conn.execute(sql, [x for k in key_ids for x in ("naive-0", k, base + i,
                                                              rng.random())])
            conn.execute("COMMIT")
    else:
        import psycopg

        conn = psycopg.connect(target)
        conn.execute("CREATE TABLE naive " + TABLE_DDL.format(float="DOUBLE PRECISION"))
        conn.commit()
        sql = ("INSERT INTO naive VALUES (%s, %s, %s, %s, NULL), (%s, %s, %s, %s, NULL), "
               "(%s, %s, %s, %s, NULL)")

        def one(i):
            conn.execute(sql, [x for k in key_ids for x in ("naive-0", k, base + i,
                                                              rng.random())])
            conn.commit()
    n = 0
    started = time.perf_counter()
    while time.perf_counter() - started < duration:
        one(n)
        n += 1
    elapsed = time.perf_counter() - started
    conn.execute("DROP TABLE naive")
    if backend != "sqlite":
        conn.commit()
    conn.close()
    return {"method": "one multi-row INSERT of a 3-value reading + COMMIT per reading, "
                      "one connection, raw driver",
            "readings": n, "elapsed_s": round(elapsed, 3),
            "readings_per_s": round(n / elapsed, 1), "rows_per_s": round(3 * n / elapsed, 1)}


# -- one backend -------------------------------------------------------------------------------

def count_rows(url: str, like: str, ts_from: int, ts_to: int) -> int:
    from sqlalchemy import text

    from smartcity.database import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT COUNT(*) FROM telemetry WHERE device_id LIKE :p "
                                    "AND ts >= :lo AND ts < :hi"),
                               {"p": like, "lo": ts_from, "hi": ts_to})
    finally:
        engine.dispose()


def key_id_map(url: str) -> dict[str, int]:
    from sqlalchemy import text

    from smartcity.database import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT name, id FROM telemetry_keys")).all())
    finally:
        engine.dispose()


def run_backend(backend: str, args) -> dict:
    out: dict = {"backend": backend}
    with ThrowawayDatabase(backend, PG_DB, keep=args.keep) as tdb:
        log(f"[{backend}] migrating {tdb.url}")
        migrate_database(tdb.url)
        if backend == "postgresql":
            out["postgresql_settings"] = pg_settings(pg_dsn(tdb.url))
        app = bench_app(tdb.url)
        batch_devices = [f"wx-{i:03d}" for i in range(args.devices)]
        single_devices = [f"tc-{i:03d}" for i in range(args.single_devices)]
        create_devices(app, [{"id": d, "type": "weather_station"} for d in batch_devices])
        single_keys = create_devices(app, [{"id": d, "type": "traffic_counter"}
                                           for d in single_devices])
        token = admin_token(app)
        app.extensions["smartcity.db"].engine.dispose()
        now = int(time.time() * 1000)
        bodies, rows = batch_plan(args.points, batch_devices, args.items_per_batch,
                                  base_ts=now - 6 * 3_600_000)
        small_bodies, small_rows = batch_plan(args.small_points, batch_devices,
                                              args.small_items_per_batch,
                                              base_ts=now - 9 * 3_600_000)
        # warm-up batch on other timestamps of the same devices (not counted; not in `rows`)
        warm_bodies, _ = batch_plan(len(BATCH_KEYS) * 20 * 8, batch_devices, 20,
                                    base_ts=now - 12 * 3_600_000)
        log(f"[{backend}] {len(bodies)} + {len(small_bodies)} batches, "
            f"{len(rows)} + {len(small_rows)} points prepared")

        # The raw inserts run before the server and again after it: this machine's speed drifts
        # by up to 2x within minutes, and one short baseline after the server made the ratio
        # swing with it (the same code measured 0.17 and 0.30 in one sitting).
        baseline_rows = [(d, BASELINE_KEY_IDS[k], ts, v, None) for d, k, ts, v in rows]
        small_baseline_rows = [(d, BASELINE_KEY_IDS[k], ts, v, None) for d, k, ts, v in small_rows]
        small_per = len(BATCH_KEYS) * args.small_items_per_batch
        log(f"[{backend}] baselines (before the server)")
        out["load_before_baselines"] = wait_quiet(min(args.wait_quiet, 60))
        baseline_runs = run_baselines(backend, tdb, baseline_rows, None, "before", 1)
        small_baseline_runs = run_baselines(backend, tdb, small_baseline_rows, small_per,
                                            "before", 2)
        out["load_before"] = wait_quiet(args.wait_quiet)
        with Server(tdb.url, args.workers, tdb.tmpdir) as server:
            out["server"] = {"kind": server.kind, "workers": args.workers,
                             "command": " ".join(server.command[1:])}
            meter = CpuMeter(server, PG_DB if backend == "postgresql" else None)
            run_batches(server.port, token, warm_bodies, args.clients, args.keepalive)
            phases = {}
            for phase, phase_bodies, items in (("batch", bodies, args.items_per_batch),
                                               ("small_batch", small_bodies,
                                                args.small_items_per_batch)):
                log(f"[{backend}] {phase} ingest: {args.clients} clients, {items} items each")
                with Profiler(server, args.profile, f"{backend}-{phase}"):
                    before = meter.snapshot()
                    result = run_batches(server.port, token, phase_bodies, args.clients,
                                         args.keepalive)
                    result["cpu"] = CpuMeter.delta(before, meter.snapshot())
                result.update({"clients": args.clients, "keepalive": args.keepalive,
                               "points_per_batch": len(BATCH_KEYS) * items,
                               "items_per_batch": items, "keys_per_item": len(BATCH_KEYS)})
                log(f"[{backend}] {phase}: {result['points_per_s']} points/s")
                phases[phase] = result
            batch, small = phases["batch"], phases["small_batch"]
            log(f"[{backend}] single readings: {args.processes}x{args.threads} connections, "
                f"{args.duration}s")
            out["load_before_single"] = load_report()
            with Profiler(server, args.profile, f"{backend}-single"):
                single = run_singles(server.port, single_keys, args.processes, args.threads,
                                     args.duration, args.warmup, now - 3 * 3_600_000, meter)
            log(f"[{backend}] single: {single['requests_per_s']} req/s, "
                f"p99 {single['latency']['p99_ms']} ms")
        small_base, batch_base = now - 9 * 3_600_000, now - 6 * 3_600_000
        single_base = now - 3 * 3_600_000
        for result, planned, (lo, hi) in ((batch, rows, (batch_base, single_base)),
                                          (small, small_rows, (small_base, batch_base))):
            result["rows_in_telemetry"] = count_rows(tdb.url, "wx-%", lo, hi)
            result["stored_equals_sent"] = (result["rows_in_telemetry"] == len(planned)
                                            == result["points_sent"] == result["stored_reported"])
            result["points_planned"] = len(planned)
        single["rows_in_telemetry"] = count_rows(tdb.url, "tc-%", single_base, now + 3_600_000)
        single["rows_equal_201s_x3"] = (
            single["rows_in_telemetry"] == 3 * single["requests_201_total_incl_warmup"])

        key_ids = key_id_map(tdb.url)
        log(f"[{backend}] baselines (after the server)")
        out["load_after_baselines"] = wait_quiet(min(args.wait_quiet, 60))
        name = "sqlite_executemany" if backend == "sqlite" else "postgresql_copy"
        baseline_runs += run_baselines(backend, tdb, baseline_rows, None, "after", 2)
        small_baseline_runs += run_baselines(backend, tdb, small_baseline_rows, small_per,
                                             "after", 3)
        baseline = median_baseline(baseline_runs)
        small_baseline = median_baseline(small_baseline_runs)
        naive = naive_per_row(backend, tdb.path("naive.db") if backend == "sqlite"
                              else pg_dsn(tdb.url),
                              [key_ids[k] for k in BATCH_KEYS[:3]], args.naive_seconds)
        single["naive_per_row_commit_baseline"] = naive
        single["speedup_vs_naive"] = round(single["requests_per_s"] / naive["readings_per_s"], 2)
        out["batch"], out["small_batch"] = batch, small
        out["baseline"] = {name: baseline}
        out["small_batch_baseline"] = {name: small_baseline}
        out["batch_ratio"] = batch_ratio(batch, baseline, name, TARGETS[f"batch_ratio_{name}"])
        out["small_batch_ratio"] = batch_ratio(small, small_baseline, name,
                                               TARGETS[f"small_batch_ratio_{name}"])
        s_cpu = single["cpu"]
        single["cpu_ms_per_request"] = {
            "server": round(1000 * s_cpu["server_cpu_s"] / max(1, single["requests_ok"]), 2),
            "postgres": round(1000 * s_cpu["postgres_cpu_s"] / max(1, single["requests_ok"]), 2),
            "client": round(1000 * s_cpu["client_cpu_s"] / max(1, single["requests_ok"]), 2)}
        out["single"] = single
        rps_target = TARGETS["single_requests_per_s"]
        out["single_targets"] = {
            "requests_per_s": {"value": single["requests_per_s"], "target": rps_target,
                               "pass": single["requests_per_s"] >= rps_target},
            "p99_ms": {"value": single["latency"]["p99_ms"], "target": TARGETS["single_p99_ms"],
                       "pass": (single["latency"]["p99_ms"] or 1e9) < TARGETS["single_p99_ms"]},
            "errors_zero": single["errors"] == 0,
        }
        out["checks_pass"] = (batch["stored_equals_sent"] and small["stored_equals_sent"]
                              and single["rows_equal_201s_x3"])
    return out


def run_baseline(backend: str, tdb, rows: list[tuple], per: int | None, label: str) -> dict:
    """The raw insert of `rows` (committed every `per` rows, or once), with its CPU."""
    meter = CpuMeter(None, PG_DB if backend == "postgresql" else None)
    before = meter.snapshot()
    if backend == "sqlite":
        path = tdb.path(f"baseline-{per or 'all'}-{label}.db")
        baseline = sqlite_executemany(path, rows, per)
        baseline["cpu"] = CpuMeter.delta(before, meter.snapshot())
        os.remove(path)
        return baseline
    baseline = pg_copy(pg_dsn(tdb.url), rows, per)
    baseline["cpu"] = CpuMeter.delta(before, meter.snapshot())
    # the COPY's backend came and went between the snapshots: add it by hand
    baseline["cpu"]["postgres_cpu_s"] = round(
        baseline["cpu"]["postgres_cpu_s"] + baseline.pop("backend_cpu_s"), 2)
    baseline["cpu"]["others_cpu_s"] = round(max(
        0.0, baseline["cpu"]["others_cpu_s"] - baseline["cpu"]["postgres_cpu_s"]), 2)
    return baseline


def run_baselines(backend: str, tdb, rows: list[tuple], per: int | None, when: str,
                  count: int) -> list[dict]:
    return [run_baseline(backend, tdb, rows, per, f"{when}-{i}") for i in range(count)]


def median_baseline(runs: list[dict]) -> dict:
    """The run with the median rows/s (its CPU with it), and every run's rows/s in order (an
    odd number of runs: 3 for the large batches, 5 for the small ones)."""
    ranked = sorted(runs, key=lambda run: run["rows_per_s"])
    return {**ranked[(len(ranked) - 1) // 2],
            "runs_rows_per_s": [run["rows_per_s"] for run in runs],
            "runs": "before the server, then after it; the median run is reported"}


def batch_ratio(batch: dict, baseline: dict, name: str, target: float) -> dict:
    ratio = batch["points_per_s"] / baseline["rows_per_s"]
    # Contention-proof companion figures: CPU per point (server + PostgreSQL + client) of
    # HTTP ingest and of the baseline (whose CPU includes creating the table and counting).
    # cpu_ratio = baseline CPU per row / HTTP CPU per point: what the ratio would be if
    # both had the machine's cores to themselves and were CPU-bound. Not the target.
    b_cpu, h_cpu = baseline["cpu"], batch["cpu"]
    http_us = 1e6 * (h_cpu["server_cpu_s"] + h_cpu["postgres_cpu_s"]
                     + h_cpu["client_cpu_s"]) / max(1, batch["stored_reported"])
    base_us = 1e6 * (b_cpu["server_cpu_s"] + b_cpu["postgres_cpu_s"]
                     + b_cpu["client_cpu_s"]) / max(1, baseline["rows"])
    return {"vs": name, "ratio": round(ratio, 3), "target": target, "pass": ratio >= target,
            "http_cpu_us_per_point": round(http_us, 1),
            "baseline_cpu_us_per_row": round(base_us, 1),
            "cpu_ratio": round(base_us / http_us, 3) if http_us else None,
            "others_cpu_s_during_http": h_cpu["others_cpu_s"],
            "others_cpu_s_during_baseline": b_cpu["others_cpu_s"]}


def run_floor(args) -> dict:
    """The same single-post load on an empty Flask route (bench/floor_app.py) behind the same
    gunicorn settings: what the web stack alone allows on this machine, in this run."""
    with tempfile.TemporaryDirectory() as tmp:
        wait_quiet(args.wait_quiet)
        with Server("sqlite:///" + os.path.join(tmp, "unused.db"), args.workers, tmp,
                    app_spec="floor_app:app") as server:
            keys = {f"floor-{i:03d}": "floor.key" for i in range(args.single_devices)}
            single = run_singles(server.port, keys, args.processes, args.threads, args.duration,
                                 args.warmup, int(time.time() * 1000), CpuMeter(server))
    log(f"floor (empty Flask route): {single['requests_per_s']} req/s, "
        f"p99 {single['latency']['p99_ms']} ms")
    return {"what": "empty Flask route, same gunicorn settings and load; nothing stored",
            "requests_per_s": single["requests_per_s"], "latency": single["latency"],
            "server_cpu_ms_per_request": round(
                1000 * single["cpu"]["server_cpu_s"] / max(1, single["requests_ok"]), 2),
            "cpu": single["cpu"], "errors": single["errors"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--points", type=int, default=300_000, help="batch points in total")
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--clients", type=int, default=4, help="batch client threads")
    parser.add_argument("--items-per-batch", type=int, default=1000)
    parser.add_argument("--small-points", type=int, default=80_000,
                        help="points in the small-batch phase")
    parser.add_argument("--small-items-per-batch", type=int, default=200,
                        help="items (of 10 keys) per small batch")
    parser.add_argument("--devices", type=int, default=100, help="devices in the batches")
    parser.add_argument("--single-devices", type=int, default=64)
    parser.add_argument("--processes", type=int, default=2, help="single-post load processes")
    parser.add_argument("--threads", type=int, default=8, help="connections per load process")
    parser.add_argument("--duration", type=float, default=20.0, help="single-post seconds")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--naive-seconds", type=float, default=5.0)
    parser.add_argument("--keepalive", action="store_true",
                        help="batch clients keep their connection (default: one per batch, so "
                             "batches spread over the workers instead of sticking to one)")
    parser.add_argument("--wait-quiet", type=float, default=120.0, metavar="S",
                        help="wait up to S seconds for other load on the machine to stop "
                             "before each measurement (0: don't wait); load is reported")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor phase (d)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway databases")
    parser.add_argument("--profile", metavar="DIR",
                        help="record py-spy collapsed stacks of the server workers per phase "
                             "into DIR (needs py-spy; figures are then slower)")
    args = parser.parse_args(argv)
    if args.quick:
        args.points = min(args.points, 40_000)
        args.small_points = min(args.small_points, 20_000)
        args.duration, args.warmup, args.naive_seconds = 4.0, 1.0, 1.0
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    report = {"benchmark": "ingest_http", "quick": args.quick, "machine": machine_info(),
              "targets": TARGETS, "results": {}}
    for backend in backends:
        report["results"][backend] = run_backend(backend, args)
    if not args.no_floor:
        floor = report["single_floor_bare_flask"] = run_floor(args)
        for r in report["results"].values():
            ratio = r["single"]["requests_per_s"] / max(1, floor["requests_per_s"])
            r["single_targets"]["vs_floor"] = {
                "value": round(ratio, 3), "target": TARGETS["single_vs_floor_ratio"],
                "pass": ratio >= TARGETS["single_vs_floor_ratio"],
                "server_cpu_ms_per_request": r["single"]["cpu_ms_per_request"]["server"],
                "floor_server_cpu_ms_per_request": floor["server_cpu_ms_per_request"]}
    report["pass"] = {
        backend: {"batch_ratio": r["batch_ratio"]["pass"],
                  "small_batch_ratio": r["small_batch_ratio"]["pass"],
                  **({"single_vs_floor": r["single_targets"]["vs_floor"]["pass"]}
                     if "vs_floor" in r["single_targets"] else {}),
                  "single_requests_per_s": r["single_targets"]["requests_per_s"]["pass"],
                  "single_p99": r["single_targets"]["p99_ms"]["pass"],
                  "single_no_errors": r["single_targets"]["errors_zero"],
                  "stored_equals_sent": (r["batch"]["stored_equals_sent"]
                                         and r["small_batch"]["stored_equals_sent"]),
                  "single_rows_equal_201s_x3": r["single"]["rows_equal_201s_x3"]}
        for backend, r in report["results"].items()}
    report["all_pass"] = all(all(v.values()) for v in report["pass"].values())
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
