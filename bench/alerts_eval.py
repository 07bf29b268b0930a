#!/usr/bin/env python
"""Rule evaluation benchmark: one 10,000-point committed batch against 1,000 threshold rules
(plus anomaly rules) through the alert engine, and a naive loop over the same data.

Fleet: 1,000 devices (air-quality stations, smart bins, energy meters), each sending 10 values
per batch (its type's keys plus keys no rule watches). Rules: per-device limits (device_id
scope) and warning/major/critical levels per type and per domain; anomaly rules per device and
one over all energy meters' power. A few devices breach in every batch, so alarm updates are
written as in production.

engine_ms         Engine.evaluate() without the alarm writes: version check, filtering by key,
                  device facts, index lookups and rule steps (per batch, after warm-up batches)
engine_match_ms   the in-memory matching part of it (index lookups and rule steps)
alarm_writes_ms   writing that batch's alarm changes (repeats of the breaching devices), commit
                  and listeners
naive_ms          every point x every rule: key, scope and operator tests (in memory, no state),
                  compared with engine_match_ms (the same work, indexed)

Prints one JSON document on stdout (progress on stderr).

    .venv/bin/python bench/alerts_eval.py [--backend sqlite|postgresql] [--runs 9] [--wait-quiet S]
"""

import argparse
import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (  # noqa: E402
    ThrowawayDatabase,
    bench_app,
    create_devices,
    log,
    machine_info,
    migrate_database,
    wait_quiet,
)

FLEET = {"air_quality_station": (600, {"pm25": 12, "pm10": 20, "no2": 30, "o3": 50, "co": 0.4,
                                       "aqi": 40}),
         "smart_bin": (200, {"fill_level": 40, "temperature": 15}),
         "energy_meter": (200, {"power": 80, "voltage": 230, "current": 12, "power_factor": 0.95})}
FILLER_KEYS = ("rssi", "battery_v", "uptime_s", "fw_build", "snr", "queue", "temp_board",
               "heap_kb")  # keys no rule watches
DOMAIN = {"air_quality_station": "environment", "smart_bin": "waste", "energy_meter": "energy"}
LEVELS = (("warning", 2.0), ("major", 3.0), ("critical", 4.0))  # x baseline
BREACHING = 10  # devices over their own limit in every batch


def fleet() -> list[tuple[str, str, dict]]:
    devices = []
    for device_type, (count, keys) in FLEET.items():
        devices += [(f"{device_type[:3]}-{i:04d}", device_type, keys) for i in range(count)]
    return devices


def rule_specs(devices, n_threshold: int, n_anomaly: int) -> list[dict]:
    rules = []
    for device_type, (_count, keys) in FLEET.items():
        for key, base in keys.items():
            for severity, factor in LEVELS:
                for scope in ({"device_type": device_type}, {"domain": DOMAIN[device_type]}):
                    rules.append({"kind": "threshold", "scope": scope, "key": key,
                                  "operator": ">", "value": base * factor * 1.5,
                                  "severity": severity})
    rng = random.Random(1)
    per_device = n_threshold - len(rules)
    for i in range(per_device):
        device_id, _type, keys = devices[i % len(devices)]
        key = list(keys)[i // len(devices) % len(keys)]
        rules.append({"kind": "threshold", "scope": {"device_id": device_id}, "key": key,
                      "operator": rng.choice((">", ">=")), "value": keys[key] * 1.8,
                      "clear_value": keys[key] * 1.6, "severity": "minor"})
    for i in range(n_anomaly - 1):
        device_id, _type, keys = devices[i]
        rules.append({"kind": "anomaly", "scope": {"device_id": device_id},
                      "key": next(iter(keys)), "warmup": 5, "severity": "warning"})
    rules.append({"kind": "anomaly", "scope": {"device_type": "energy_meter"}, "key": "power",
                  "warmup": 5, "severity": "warning"})
    return [{**r, "name": f"bench rule {i}"} for i, r in enumerate(rules)]


def batch(devices, ts: int, rng: random.Random, breaching: set[str]):
    from smartcity.telemetry.points import Point

    points = []
    for device_id, _type, keys in devices:
        factor = 2.0 if device_id in breaching else 1.0
        for key, base in keys.items():
            points.append(Point(device_id, key, ts, base * factor * rng.uniform(0.9, 1.1), None))
        for key in FILLER_KEYS[:10 - len(keys)]:
            points.append(Point(device_id, key, ts, rng.uniform(0, 100), None))
    return points


def naive(points, rules, facts) -> int:
    """What an engine without indexes does: every point against every rule."""
    from smartcity.alerts.rules import OPERATORS

    fields = {"device_type": 0, "domain": 1, "asset_id": 2}
    hits = 0
    for device_id, key, _ts, value, _text in points:
        device = facts[device_id]
        for rule in rules:
            if rule["kind"] != "threshold" or rule["key"] != key:
                continue
            (scope, wanted), = rule["scope"].items()
            if (device_id if scope == "device_id" else device[fields[scope]]) != wanted:
                continue
            if OPERATORS[rule["operator"]](value, rule["value"]):
                hits += 1
    return hits


def summary(samples: list[float]) -> dict:
    return {"median": round(statistics.median(samples), 3), "min": round(min(samples), 3),
            "max": round(max(samples), 3)}


def run(backend: str, runs: int, n_threshold: int, n_anomaly: int) -> dict:
    from smartcity.alerts import rule_service
    from smartcity.alerts.setup import get_engine
    from smartcity.extensions import db
    from smartcity.timeutil import now_ms

    devices = fleet()
    with ThrowawayDatabase(backend, "smartcity_bench_alerts") as database:
        migrate_database(database.url)
        app = bench_app(database.url)
        create_devices(app, [{"id": d, "type": t} for d, t, _k in devices])
        specs = rule_specs(devices, n_threshold, n_anomaly)
        with app.app_context():
            for spec in specs:
                rule_service.create_rule(spec)
            db.session.commit()
        log(f"{backend}: {len(devices)} devices, {len(specs)} rules")
        facts = {d: (t, DOMAIN[t], None) for d, t, _k in devices}
        rng = random.Random(7)
        breaching = {d for d, _t, _k in rng.sample(devices, BREACHING)}
        engine = get_engine(app)
        ts = now_ms() - (runs + 10) * 60_000
        engine_ms, match_ms, write_ms, naive_ms, events, matches = [], [], [], [], [], []
        with app.app_context():
            for i in range(runs + 8):  # the first batches warm caches and anomaly statistics
                points = batch(devices, ts + i * 60_000, rng, breaching)
                before = engine.stats["rule_steps"]
                changes = engine.evaluate(points)
                if i < 8:
                    continue
                stats = engine.stats
                engine_ms.append(stats["last_ms"] - stats["last_apply_ms"])
                match_ms.append(stats["last_match_ms"])
                write_ms.append(stats["last_apply_ms"])
                events.append(len(changes))
                matches.append(engine.stats["rule_steps"] - before)
                started = time.perf_counter()
                naive(points, specs, facts)
                naive_ms.append((time.perf_counter() - started) * 1000)
        log(f"{backend}: engine {statistics.median(engine_ms):.2f} ms, "
            f"naive {statistics.median(naive_ms):.1f} ms")
        app.extensions["smartcity.pipeline"].stop()
        with app.app_context():
            db.engine.dispose()
    return {"backend": backend, "points_per_batch": len(points),
            "rules": {"threshold": n_threshold, "anomaly": n_anomaly},
            "runs": runs, "engine_ms": summary(engine_ms), "engine_match_ms": summary(match_ms),
            "alarm_writes_ms": summary(write_ms), "naive_ms": summary(naive_ms),
            "match_speedup_vs_naive": round(statistics.median(naive_ms)
                                            / statistics.median(match_ms), 1),
            "rule_steps_per_batch": statistics.median(matches),
            "alarm_changes_per_batch": statistics.median(events)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rules", type=int, default=1000, help="threshold rules")
    parser.add_argument("--anomaly-rules", type=int, default=50)
    parser.add_argument("--wait-quiet", type=float, default=0,
                        help="wait up to S seconds for other load to settle first")
    args = parser.parse_args()
    load = wait_quiet(args.wait_quiet)
    result = run(args.backend, args.runs, args.rules, args.anomaly_rules)
    print(json.dumps({"benchmark": "alerts_eval", "machine": machine_info(), "load": load,
                      **result}, indent=2))


if __name__ == "__main__":
    main()
