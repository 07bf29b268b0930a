"""Retention keeps exactly what is inside its horizons; the scheduler runs each job once."""

import threading
from datetime import UTC, datetime

import pytest

from smartcity.extensions import db
from smartcity.jobs.scheduler import get_scheduler
from smartcity.telemetry import retention
from smartcity.telemetry.partitions import WEEK_MS, partition_name, week_start
from smartcity.timeutil import now_ms

DAY, HOUR = 86_400_000, 3_600_000
# "now" for retention: half a week into the week before this one, so the raw horizon (7 days
# back) falls in the middle of a week and its partition must survive.
NOW = week_start(now_ms()) - WEEK_MS + 3 * DAY + 12 * HOUR
RAW_CUTOFF = NOW - 7 * DAY
ROLLUP_CUTOFF = NOW - 30 * DAY


def post(client, headers, device_id, stamps):
    body = [{"device_id": device_id, "ts": ts, "values": {"v": float(i), "w": 1}}
            for i, ts in enumerate(stamps)]
    response = client.post("/api/telemetry/batch", json=body, headers=headers)
    assert response.status_code == 201 and response.get_json()["stored"] == 2 * len(stamps)


def stamps_of(sql, app, table, column="ts"):
    return sorted({r[0] for r in sql(app, f"SELECT DISTINCT {column} FROM {table}")})


def partition_start(name: str) -> int:
    day = datetime.strptime(name.removeprefix("telemetry_p"), "%Y%m%d").replace(tzinfo=UTC)
    return int(day.timestamp() * 1000)


def partitions_now(sql, app):
    return {r[0] for r in sql(app, "SELECT c.relname FROM pg_inherits i "
                                   "JOIN pg_class c ON c.oid = i.inhrelid "
                                   "JOIN pg_class p ON p.oid = i.inhparent "
                                   "WHERE p.relname = 'telemetry'")}


@pytest.fixture
def aged(make_app, make_device, admin_headers):
    """An app keeping raw data 7 days and rollups 30, with points on both sides of each."""
    app = make_app(RETENTION_DAYS=7, ROLLUP_RETENTION_DAYS=30)
    make_device("old-1")
    make_device("old-2")
    stamps = [NOW - 60 * DAY, ROLLUP_CUTOFF - HOUR, ROLLUP_CUTOFF, NOW - 20 * DAY,
              RAW_CUTOFF - 1, RAW_CUTOFF, RAW_CUTOFF + 1, NOW - HOUR, NOW]
    client = app.test_client()
    for device_id in ("old-1", "old-2"):
        post(client, admin_headers, device_id, stamps)
    return app, client, stamps


def test_retention_removes_only_what_is_past_each_horizon(aged, sql, admin_headers,
                                                          monkeypatch):
    app, client, stamps = aged
    monkeypatch.setattr(retention, "DELETE_CHUNK", 3)  # several chunks, rows sharing a ts
    with app.app_context():
        report = retention.apply_retention(app, db.engine, now=NOW)
    assert (report["raw_cutoff"], report["rollup_cutoff"]) == (RAW_CUTOFF, ROLLUP_CUTOFF)

    assert stamps_of(sql, app, "telemetry") == [ts for ts in stamps if ts >= RAW_CUTOFF]
    assert sql(app, "SELECT COUNT(*) FROM telemetry") == [(2 * 2 * 4,)]
    for table, width in (("telemetry_1m", 60_000), ("telemetry_1h", HOUR)):
        buckets = {ts // width * width for ts in stamps}
        kept = sorted(b for b in buckets if b >= ROLLUP_CUTOFF)
        assert stamps_of(sql, app, table, "bucket") == kept, table
        assert sql(app, f"SELECT COUNT(*) FROM {table}") == [(2 * 2 * len(kept),)]
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert report["telemetry"] == 2 * 2 * 5

    # Rollups outlive raw rows: whole hours 20 days ago still aggregate; latest is untouched.
    response = client.get("/api/devices/old-1/telemetry/aggregate", headers=admin_headers,
                          query_string={"keys": "v", "interval": "1h", "agg": "count",
                                        "start": NOW - 21 * DAY, "end": NOW - 19 * DAY})
    assert response.get_json()["series"]["v"] == [{"ts": NOW - 20 * DAY, "value": 1}]
    latest = client.get("/api/devices/old-1/telemetry/latest", headers=admin_headers)
    assert latest.get_json()["values"]["v"] == {"ts": NOW, "value": 8.0}

    with app.app_context():
        again = retention.apply_retention(app, db.engine, now=NOW)
    assert (again["telemetry"], again["telemetry_1m"], again["telemetry_1h"]) == (0, 0, 0)


def test_postgresql_drops_whole_old_partitions(aged, sql, postgresql_only):
    postgresql_only("partitions exist on PostgreSQL only")
    app, _, stamps = aged
    before = partitions_now(sql, app)
    weeks = {partition_name(week_start(ts)) for ts in stamps}
    assert weeks <= before
    with app.app_context():
        report = retention.apply_retention(app, db.engine, now=NOW)
    old = {name for name in before if partition_start(name) + WEEK_MS <= RAW_CUTOFF}
    assert {partition_name(week_start(ts)) for ts in stamps if ts < RAW_CUTOFF - DAY} <= old
    assert sorted(report["dropped_partitions"]) == sorted(old)
    after = partitions_now(sql, app)
    assert after == before - old
    assert {partition_name(week_start(ts)) for ts in stamps if ts >= RAW_CUTOFF} <= after
    assert partition_name(week_start(RAW_CUTOFF)) in after  # holds RAW_CUTOFF - 1 until then
    assert report["telemetry"] == 2 * 2  # only RAW_CUTOFF - 1 needed row deletes


def test_writes_recreate_a_dropped_partition(aged, sql, admin_headers):
    """After a partition is dropped, a late reading for that week is still stored."""
    app, client, _ = aged
    with app.app_context():
        retention.apply_retention(app, db.engine, now=NOW)
    late = NOW - 40 * DAY
    post(client, admin_headers, "old-2", [late])
    assert (late,) in sql(app, "SELECT ts FROM telemetry WHERE device_id = 'old-2'")


# --- scheduler -------------------------------------------------------------------------------


def job_run(sql, app, name):
    rows = sql(app, "SELECT last_started, last_status, last_finished FROM job_runs "
                    "WHERE name = :n", n=name)
    return rows[0] if rows else None


def run_due(app, now):
    with app.app_context():
        return get_scheduler(app).run_due(now=now)


def test_two_processes_run_a_job_once_per_interval(make_app, sql):
    first, second = make_app(), make_app()
    calls = []
    for app in (first, second):
        get_scheduler(app).register("tick", 60, lambda a: calls.append(a) or {"n": len(calls)})
    now = now_ms()
    ran_first, ran_second = run_due(first, now), run_due(second, now)
    assert "tick" in ran_first and "tick" not in ran_second
    assert "telemetry_retention" in ran_first and "telemetry_retention" not in ran_second
    assert calls == [first]
    assert job_run(sql, first, "tick")[:2] == (now, "ok")

    assert "tick" not in run_due(second, now + 59_999)
    assert "tick" in run_due(second, now + 60_000)
    assert calls == [first, second]
    assert "tick" not in run_due(first, now + 60_000)
    assert "telemetry_retention" not in run_due(first, now + 60_000)  # hourly
    assert job_run(sql, first, "tick")[:2] == (now + 60_000, "ok")


def test_concurrent_ticks_run_a_job_exactly_once(make_app):
    apps = [make_app(), make_app()]
    calls, lock = [], threading.Lock()

    def job(app):
        with lock:
            calls.append(app)

    for app in apps:
        get_scheduler(app).register("once", 300, job)
    now, barrier, errors = now_ms(), threading.Barrier(6), []

    def tick(app):
        try:
            barrier.wait(10)
            run_due(app, now)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(apps[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(calls) == 1


def test_failing_job_is_recorded_and_others_still_run(make_app, sql):
    app = make_app()
    ran = []

    def boom(_app):
        raise RuntimeError("disk on fire")

    scheduler = get_scheduler(app)
    scheduler.register("boom", 60, boom)
    scheduler.register("fine", 60, lambda a: ran.append(1))
    now = now_ms()
    assert {"boom", "fine"} <= set(run_due(app, now))
    assert ran == [1]
    assert job_run(sql, app, "boom")[1] == "failed"
    assert job_run(sql, app, "fine")[1] == "ok"
    result = sql(app, "SELECT last_result FROM job_runs WHERE name = 'boom'")[0][0]
    assert "disk on fire" in str(result)
    # A failure does not retry before the interval ends, and runs again after it.
    assert "boom" not in run_due(app, now + 1000)
    assert "boom" in run_due(app, now + 60_000)
