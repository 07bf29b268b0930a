"""The writer under the conditions of a real deployment: large groups that repeat stored
points, and two writers (two server processes) storing overlapping groups at the same time."""

import pytest

from smartcity.telemetry.pipeline import Pipeline
from smartcity.telemetry.points import Point
from smartcity.telemetry.store import OPTIMISTIC_MIN_POINTS

SIZE = OPTIMISTIC_MIN_POINTS + 44  # large enough for the plain-INSERT try on PostgreSQL


def series(device_id: str, ts: int, n: int, first: int = 0) -> list[Point]:
    return [Point(device_id, "t", ts + i * 1000, float(i), None) for i in range(first, first + n)]


@pytest.fixture
def writer(app):
    """A writer of its own, beside the app's: the second process of a deployment."""
    pipelines = []

    def make() -> Pipeline:
        pipelines.append(Pipeline(app))
        return pipelines[-1]

    yield make
    for pipeline in pipelines:
        pipeline.stop()


def store(pipeline: Pipeline, points: list[Point]) -> int:
    job = pipeline.submit(points)
    assert job.wait(30) and job.error is None, job.error
    return job.inserted


def stored_series(sql, app, device_id: str) -> list[tuple]:
    return sql(app, "SELECT ts, value FROM telemetry WHERE device_id = :d ORDER BY ts",
               d=device_id)


@pytest.mark.parametrize("repeat", ["first", "last", "all"])
def test_large_group_repeating_stored_points(app, make_device, writer, sql, assert_rollups_exact,
                                             ts, repeat):
    make_device("wr-1")
    pipeline = writer()
    assert store(pipeline, series("wr-1", ts, SIZE)) == SIZE
    group = {"first": series("wr-1", ts, SIZE, first=SIZE - 1),      # its first point is stored
             "last": series("wr-1", ts, SIZE, first=-(SIZE - 1)),    # its last point is stored
             "all": series("wr-1", ts, SIZE)}[repeat]
    changed = [p._replace(value=p.value + 0.5) for p in group]  # first write wins
    assert store(pipeline, changed) == (0 if repeat == "all" else SIZE - 1)
    rows = stored_series(sql, app, "wr-1")
    expected = {p.ts: p.value for p in changed} | {p.ts: p.value for p in series("wr-1", ts, SIZE)}
    assert rows == sorted(expected.items())
    assert sql(app, "SELECT ts, value FROM telemetry_latest WHERE device_id = 'wr-1'") == [
        max(expected.items())]
    assert_rollups_exact(app)


def test_two_writers_storing_overlapping_groups_at_once(app, make_device, writer, sql,
                                                        assert_rollups_exact, ts):
    # Each writer takes the other's points in the opposite order: on PostgreSQL their plain
    # INSERTs wait on each other (a deadlock, or a repeat once the other commits), and the
    # loser writes again with ON CONFLICT. Nothing is lost, doubled or counted twice.
    make_device("wr-a")
    make_device("wr-b")
    first, second = writer(), writer()
    store(first, series("wr-a", ts - 10_000, 1))  # the key and both writers' connections exist
    store(second, series("wr-b", ts - 10_000, 1))  # before the race
    a, b = series("wr-a", ts, 4 * SIZE), series("wr-b", ts, 4 * SIZE)
    jobs = [first.submit(a + b), second.submit(b[::-1] + a[::-1])]
    for job in jobs:
        assert job.wait(30) and job.error is None, job.error
    assert sum(job.inserted for job in jobs) == 8 * SIZE
    for device_id, points in (("wr-a", a), ("wr-b", b)):
        stored = stored_series(sql, app, device_id)
        assert stored[-len(points):] == [(p.ts, p.value) for p in points]
        assert sql(app, "SELECT ts, value FROM telemetry_latest WHERE device_id = :d",
                   d=device_id) == [stored[-1]]
    assert_rollups_exact(app)
