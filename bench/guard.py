#!/usr/bin/env python
"""The role guard's cost with custom roles (#25): the same requests as a built-in operator (the
baseline), as a viewer holding an unscoped custom role, and as one holding a role scoped to the
waste domain, in the same run. In-process (Flask test client): the app's and the database's
time, without HTTP. Prints one JSON document.

    .venv/bin/python bench/guard.py [--backend sqlite|postgresql] [--reps 2000]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (  # noqa: E402
    BACKENDS,
    ThrowawayDatabase,
    admin_token,
    bench_app,
    load_report,
    log,
    machine_info,
    migrate_database,
    percentiles,
)

PG_DB = "smartcity_bench_guard"
REQUESTS = [("GET", "/api/devices/bin-1", None),
            ("PUT", "/api/devices/bin-1/config", {"interval_s": 60})]


def holder(client, admin: dict, username: str, role: str, assignments: list) -> dict:
    from smartcity.auth import service
    from smartcity.extensions import db

    with client.application.app_context():
        user = service.create_user({"username": username, "password": "bench-password-123456",
                                    "email": None, "role": role})
        db.session.commit()
        user_id = user.id
    if assignments:
        response = client.put(f"/api/users/{user_id}/roles", json={"assignments": assignments},
                              headers=admin)
        assert response.status_code == 200, response.get_json()
    token = client.post("/api/auth/login", json={"username": username,
                                                 "password": "bench-password-123456"}).get_json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def run(url: str, reps: int) -> dict:
    app = bench_app(url)
    client = app.test_client()
    admin = {"Authorization": f"Bearer {admin_token(app)}"}
    created = client.post("/api/devices", json={"id": "bin-1", "type": "smart_bin"},
                          headers=admin)
    assert created.status_code == 201, created.get_json()
    role = client.post("/api/roles", json={"name": "waste-operator", "permissions": [
        "devices:write", "device_control:write", "waste:write"]}, headers=admin).get_json()
    callers = {
        "builtin_operator": holder(client, admin, "bench-operator", "operator", []),
        "custom_unscoped": holder(client, admin, "bench-custom", "viewer",
                                  [{"role_id": role["id"]}]),
        "custom_scoped_waste": holder(client, admin, "bench-scoped", "viewer",
                                      [{"role_id": role["id"], "domains": ["waste"]}]),
    }
    results = {}
    for method, path, body in REQUESTS:
        for headers in callers.values():
            for _ in range(50):  # warm up
                client.open(path, method=method, json=body, headers=headers)
        samples = {name: [] for name in callers}
        for _ in range(reps):  # interleaved, so a change of the machine's load hits all alike
            for name, headers in callers.items():
                start = time.perf_counter()
                response = client.open(path, method=method, json=body, headers=headers)
                samples[name].append(time.perf_counter() - start)
                assert response.status_code < 300, response.get_json()
        row = {name: percentiles(values) for name, values in samples.items()}
        base = row["builtin_operator"]["p50_ms"]
        for name in ("custom_unscoped", "custom_scoped_waste"):
            row[name]["p50_vs_baseline"] = round(row[name]["p50_ms"] / base, 3)
        results[f"{method} {path}"] = row
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--reps", type=int, default=2000)
    args = parser.parse_args()
    before = load_report()
    with ThrowawayDatabase(args.backend, PG_DB) as database:
        migrate_database(database.url)
        results = run(database.url, args.reps)
    log("done")
    print(json.dumps({"benchmark": "guard", "backend": args.backend, "reps": args.reps,
                      "machine": machine_info(), "load_before": before,
                      "load_after": load_report(), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
