"""Helpers shared by the telemetry tests: raw SQL reads of the telemetry tables."""

import math

import pytest
from sqlalchemy import text

from smartcity.extensions import db
from smartcity.timeutil import now_ms

ROLLUP_WIDTHS = {"telemetry_1m": 60_000, "telemetry_1h": 3_600_000}


def _rows(app, statement: str, **params) -> list[tuple]:
    with app.app_context(), db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(statement), params)]


def _stored_rollups(app, table: str) -> dict[tuple, tuple]:
    """{(device_id, key, bucket): (count, sum, min, max)} as the writer maintained them."""
    return {(d, k, b): (n, s, lo, hi) for d, k, b, n, s, lo, hi in _rows(
        app, f"SELECT r.device_id, k.name, r.bucket, r.count, r.sum, r.min, r.max FROM {table} r "
        "JOIN telemetry_keys k ON k.id = r.key_id")}


def _recomputed_rollups(app, table: str) -> dict[tuple, tuple]:
    """The same rows computed from scratch from the raw table."""
    width = ROLLUP_WIDTHS[table]
    return {(d, k, b): (n, s, lo, hi) for d, k, b, n, s, lo, hi in _rows(
        app, f"SELECT t.device_id, k.name, (t.ts / {width}) * {width} AS b, COUNT(*), "
        "SUM(t.value), MIN(t.value), MAX(t.value) FROM telemetry t "
        "JOIN telemetry_keys k ON k.id = t.key_id WHERE t.value IS NOT NULL "
        f"GROUP BY t.device_id, k.name, (t.ts / {width}) * {width}")}


def _same_rollups(left: dict, right: dict) -> bool:
    if left.keys() != right.keys():
        return False
    for bucket, (n, s, lo, hi) in left.items():
        n2, s2, lo2, hi2 = right[bucket]
        if (n, lo, hi) != (n2, lo2, hi2) or not math.isclose(s, s2, rel_tol=1e-9, abs_tol=1e-6):
            return False
    return True


@pytest.fixture
def sql():
    """sql(app, "SELECT ...", **params) -> list of row tuples."""
    return _rows


@pytest.fixture
def rollups():
    """rollups(app) -> {table: {(device, key, bucket): (count, sum, min, max)}}."""
    return lambda app: {table: _stored_rollups(app, table) for table in ROLLUP_WIDTHS}


@pytest.fixture
def assert_rollups_exact():
    """Assert that both rollup tables equal a from-scratch GROUP BY over the raw rows."""

    def check(app):
        for table in ROLLUP_WIDTHS:
            stored, expected = _stored_rollups(app, table), _recomputed_rollups(app, table)
            assert _same_rollups(stored, expected), (table, stored, expected)

    return check


@pytest.fixture
def ts():
    """A recent hour-aligned time, so points land in known rollup buckets."""
    return now_ms() // 3_600_000 * 3_600_000 - 3_600_000
