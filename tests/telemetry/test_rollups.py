"""Rollups equal raw aggregates: on random data (property tests), after retries, corrections and
deletes. The model is a dict {(device, key, ts): value} where the first write wins."""

import itertools
import math
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcity.timeutil import now_ms

MINUTE, HOUR, DAY = 60_000, 3_600_000, 86_400_000
SPAN = 3 * DAY
BASE = now_ms() // DAY * DAY - 10 * DAY  # well in the past, day-aligned
INTERVALS = {"1m": MINUTE, "15m": 15 * MINUTE, "1h": HOUR, "1d": DAY}
AGGS = {"avg": lambda v: math.fsum(v) / len(v), "min": min, "max": max, "sum": math.fsum,
        "count": len}
KEYS = ("a", "b")

_ids = itertools.count()

# Offsets over three days, biased towards bucket edges (exact multiples and one ms before).
offsets = st.one_of(
    st.integers(0, SPAN - 1),
    st.integers(0, 3 * 24 * 4).map(lambda n: n * 15 * MINUTE),
    st.integers(1, 3 * 24 * 60).map(lambda n: n * MINUTE - 1),
    st.integers(0, 3 * 24).map(lambda n: n * HOUR),
)
values = st.one_of(st.floats(-1000, 1000, allow_nan=False, allow_infinity=False),
                   st.integers(-50, 50))
raw_points = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(KEYS), offsets, values),
                      min_size=1, max_size=50)


@st.composite
def points_with_repeats(draw):
    """Random points, some reusing an earlier (device, key, ts) with another value."""
    points = draw(raw_points)
    for _ in range(draw(st.integers(0, 8))):
        device, key, offset, _ = draw(st.sampled_from(points))
        points.insert(draw(st.integers(0, len(points))), (device, key, offset, draw(values)))
    return points


def ordered_pair(draw, low=0, high=SPAN):
    """start < end, from offsets (bucket edges) or anywhere in [low, high]."""
    a, b = (draw(st.one_of(offsets, st.integers(low, high))) for _ in range(2))
    return min(a, b), max(a, b) + (a == b)


@st.composite
def windows(draw):
    """A query window [start, end), unaligned and possibly wider than the data."""
    start, end = ordered_pair(draw, -HOUR, SPAN + HOUR)
    return BASE + start, BASE + end


@st.composite
def chunked(draw, points):
    """Split points into request chunks, then post some chunks again (retries)."""
    cuts = sorted(draw(st.lists(st.integers(1, max(1, len(points) - 1)), max_size=3)))
    bounds = [0, *cuts, len(points)]
    chunks = [points[a:b] for a, b in itertools.pairwise(bounds) if a < b]
    order = list(range(len(chunks)))
    for _ in range(draw(st.integers(0, 3))):
        order.insert(draw(st.integers(0, len(order))), draw(st.sampled_from(range(len(chunks)))))
    return [chunks[i] for i in order]


# --- helpers ---------------------------------------------------------------------------------


def new_devices(make_device, n=2):
    run = next(_ids)
    asset = f"asset-{run}"
    ids = [f"roll-{run}-{i}" for i in range(n)]
    for device_id in ids:
        make_device(device_id, asset_id=asset)
    return ids, asset


def post_chunk(client, headers, ids, chunk, model):
    body = [{"device_id": ids[d], "ts": BASE + offset, "values": {key: value}}
            for d, key, offset, value in chunk]
    response = client.post("/api/telemetry/batch", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    new = 0
    for d, key, offset, value in chunk:
        point = (ids[d], key, BASE + offset)
        if point not in model:
            model[point] = float(value)
            new += 1
    answer = response.get_json()
    assert (answer["points"], answer["stored"], answer["duplicates"]) == (
        len(chunk), new, len(chunk) - new)


def stored(client, headers, device_id):
    response = client.get(f"/api/devices/{device_id}/telemetry", headers=headers,
                          query_string={"start": BASE - 40 * DAY, "end": BASE + 40 * DAY,
                                        "limit": 1000})
    assert response.status_code == 200 and response.get_json()["next_cursor"] is None
    return {(device_id, i["key"], i["ts"]): i["value"] for i in response.get_json()["items"]}


def expected(model, device_ids, start, end, width, agg):
    buckets = defaultdict(lambda: defaultdict(list))
    for (device_id, key, ts), value in model.items():
        if device_id in device_ids and start <= ts < end:
            buckets[key][ts // width * width].append(value)
    return {key: [(b, AGGS[agg](buckets[key][b])) for b in sorted(buckets[key])] for key in KEYS}


def assert_close_series(actual: dict, wanted: dict, context):
    # A key never written anywhere is left out of the answer; compare the non-empty series.
    got = {k: [(p["ts"], p["value"]) for p in v] for k, v in actual.items() if v}
    wanted = {k: v for k, v in wanted.items() if v}
    assert got.keys() == wanted.keys(), context
    for key in wanted:
        assert [b for b, _ in got[key]] == [b for b, _ in wanted[key]], (context, key)
        for (_, g), (_, w) in zip(got[key], wanted[key], strict=True):
            assert math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-7), (context, key, g, w)


def check_aggregates(client, headers, model, ids, asset, window, intervals, fleet_intervals):
    """Compare aggregates of device 0 (and of the fleet of both devices) with the model."""
    start, end = window
    for interval in intervals:
        for agg in AGGS:
            args = {"start": start, "end": end, "interval": interval, "agg": agg}
            one = client.get(f"/api/devices/{ids[0]}/telemetry/aggregate", headers=headers,
                             query_string={**args, "keys": ",".join(KEYS)})
            assert one.status_code == 200, one.get_json()
            assert_close_series(one.get_json()["series"],
                                expected(model, ids[:1], start, end, INTERVALS[interval], agg),
                                (ids[0], interval, agg, window))
            if interval not in fleet_intervals:
                continue
            fleet = client.get("/api/telemetry/aggregate", headers=headers,
                               query_string={**args, "key": ",".join(KEYS), "asset_id": asset})
            assert fleet.status_code == 200, fleet.get_json()
            assert_close_series(fleet.get_json()["series"],
                                expected(model, ids, start, end, INTERVALS[interval], agg),
                                ("fleet", interval, agg, window))


def newest(model, device_id):
    latest = {}
    for (d, key, ts), value in model.items():
        if d == device_id and (key not in latest or ts > latest[key]["ts"]):
            latest[key] = {"ts": ts, "value": value}
    return latest


def check_everything(app, client, headers, model, ids, asset, window, assert_rollups_exact,
                     intervals=tuple(INTERVALS), fleet_intervals=tuple(INTERVALS)):
    for device_id in ids:
        assert stored(client, headers, device_id) == {
            p: v for p, v in model.items() if p[0] == device_id}
        latest = client.get(f"/api/devices/{device_id}/telemetry/latest", headers=headers)
        assert latest.get_json()["values"] == newest(model, device_id)
    assert_rollups_exact(app)
    check_aggregates(client, headers, model, ids, asset, window, intervals, fleet_intervals)


# --- property tests --------------------------------------------------------------------------


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_rollups_equal_raw_aggregates_on_random_data(app, client, admin_headers, make_device,
                                                    assert_rollups_exact, data):
    ids, asset = new_devices(make_device)
    model = {}
    points = data.draw(points_with_repeats(), "points")
    for chunk in data.draw(chunked(points), "chunks"):
        post_chunk(client, admin_headers, ids, chunk, model)
    # Every interval and function for one device; the fleet (both devices) on one interval.
    check_everything(app, client, admin_headers, model, ids, asset, data.draw(windows(), "window"),
                     assert_rollups_exact,
                     fleet_intervals=[data.draw(st.sampled_from(list(INTERVALS)), "fleet")])


@st.composite
def maintenance_ops(draw):
    """A correction or a delete over a random range of device 0."""
    start, end = ordered_pair(draw)
    keys = draw(st.one_of(st.none(), st.lists(st.sampled_from(KEYS), min_size=1, max_size=2,
                                              unique=True)))
    if draw(st.booleans()):
        return ("delete", start, end, keys, [])
    fresh = draw(st.lists(st.tuples(st.sampled_from(KEYS), st.integers(start, end - 1), values),
                          max_size=8))
    return ("correct", start, end, keys, fresh)


def apply_op(client, headers, device_id, op, model):
    kind, start, end, keys, fresh = op
    start, end = BASE + start, BASE + end
    if kind == "delete":
        args = {"start": start, "end": end, **({"keys": ",".join(keys)} if keys else {})}
        response = client.delete(f"/api/devices/{device_id}/telemetry", headers=headers,
                                 query_string=args)
        assert response.status_code == 200, response.get_json()
        gone = [p for p in model if p[0] == device_id and start <= p[2] < end
                and (keys is None or p[1] in keys)]
    else:
        names = set(keys or []) | {k for k, _, _ in fresh}
        if not names:
            return
        body = {"start": start, "end": end,
                "points": [{"ts": BASE + ts, "values": {k: v}} for k, ts, v in fresh]}
        if keys is not None:
            body["keys"] = sorted(names)
        response = client.post(f"/api/devices/{device_id}/telemetry/corrections", json=body,
                               headers=headers)
        assert response.status_code == 200, response.get_json()
        gone = [p for p in model if p[0] == device_id and start <= p[2] < end and p[1] in names]
    assert response.get_json()["deleted"] == len(gone)
    for point in gone:
        del model[point]
    for key, ts, value in fresh:
        model.setdefault((device_id, key, BASE + ts), float(value))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_corrections_and_deletes_keep_rollups_exact(app, client, admin_headers, make_device,
                                                    assert_rollups_exact, data):
    ids, asset = new_devices(make_device)
    model = {}
    post_chunk(client, admin_headers, ids, data.draw(points_with_repeats(), "points"), model)
    for op in data.draw(st.lists(maintenance_ops(), min_size=1, max_size=3), "ops"):
        apply_op(client, admin_headers, ids[0], op, model)
    interval = data.draw(st.sampled_from(list(INTERVALS)), "interval")
    check_everything(app, client, admin_headers, model, ids, asset, data.draw(windows(), "window"),
                     assert_rollups_exact, intervals=[interval], fleet_intervals=[interval])


# --- explicit cases --------------------------------------------------------------------------


@pytest.fixture
def device(client, admin_headers, make_device):
    """Device fix-1: key t every 10 minutes over 6 hours (values 0..35), key h hourly."""
    make_device("fix-1")
    body = [{"device_id": "fix-1", "ts": BASE + i * 10 * MINUTE, "values": {"t": float(i)}}
            for i in range(36)]
    body += [{"device_id": "fix-1", "ts": BASE + i * HOUR, "values": {"h": 50 + i}}
             for i in range(6)]
    assert client.post("/api/telemetry/batch", json=body,
                       headers=admin_headers).get_json()["stored"] == 42
    return "fix-1"


def series(client, headers, device_id, key, interval="1h", agg="sum", **args):
    args = {"start": BASE, "end": BASE + DAY, "keys": key, "interval": interval, "agg": agg,
            **args}
    response = client.get(f"/api/devices/{device_id}/telemetry/aggregate", query_string=args,
                          headers=headers)
    assert response.status_code == 200, response.get_json()
    return [(p["ts"] - BASE, p["value"]) for p in response.get_json()["series"][key]]


def latest(client, headers, device_id):
    return client.get(f"/api/devices/{device_id}/telemetry/latest",
                      headers=headers).get_json()["values"]


def test_correction_replaces_the_range_and_recomputes(app, client, admin_headers, device,
                                                      sql, assert_rollups_exact):
    before = series(client, admin_headers, device, "t")
    assert before == [(h * HOUR, float(sum(range(6 * h, 6 * h + 6)))) for h in range(6)]
    response = client.post(f"/api/devices/{device}/telemetry/corrections", headers=admin_headers,
                           json={"start": BASE + 65 * MINUTE, "end": BASE + 6 * HOUR,
                                 "points": [{"ts": BASE + 70 * MINUTE, "values": {"t": 100}},
                                            {"ts": BASE + 5 * HOUR, "values": {"t": 200}}]})
    assert response.status_code == 200
    assert response.get_json() == {"device_id": device, "start": BASE + 65 * MINUTE,
                                   "end": BASE + 6 * HOUR, "keys": ["t"], "deleted": 29,
                                   "inserted": 2}
    assert series(client, admin_headers, device, "t") == [
        (0, 15.0), (HOUR, 6.0 + 100.0), (5 * HOUR, 200.0)]
    assert series(client, admin_headers, device, "t", interval="1m", agg="count",
                  end=BASE + 2 * HOUR) == [(m * 10 * MINUTE, 1) for m in range(7)] + [
        (70 * MINUTE, 1)]
    assert series(client, admin_headers, device, "h", agg="count") == [
        (h * HOUR, 1) for h in range(6)]  # other keys untouched
    assert latest(client, admin_headers, device)["t"] == {"ts": BASE + 5 * HOUR, "value": 200}
    assert_rollups_exact(app)
    audit = sql(app, "SELECT action FROM audit_log WHERE action = 'telemetry.corrected'")
    assert audit == [("telemetry.corrected",)]


def test_correction_with_keys_and_no_points_clears_them(app, client, admin_headers, device,
                                                        assert_rollups_exact):
    response = client.post(f"/api/devices/{device}/telemetry/corrections", headers=admin_headers,
                           json={"start": BASE + 3 * HOUR, "end": BASE + DAY,
                                 "keys": ["t", "h"], "points": []})
    assert response.status_code == 200
    assert response.get_json()["deleted"] == 18 + 3
    assert latest(client, admin_headers, device) == {
        "t": {"ts": BASE + 170 * MINUTE, "value": 17.0}, "h": {"ts": BASE + 2 * HOUR,
                                                               "value": 52.0}}
    assert [b for b, _ in series(client, admin_headers, device, "t")] == [0, HOUR, 2 * HOUR]
    assert_rollups_exact(app)


def test_correction_into_an_empty_period(app, client, admin_headers, device,
                                         assert_rollups_exact):
    """Points may land where nothing was ever written (on PostgreSQL: a week without a
    partition yet)."""
    old = BASE - 400 * DAY
    response = client.post(f"/api/devices/{device}/telemetry/corrections", headers=admin_headers,
                           json={"start": old, "end": old + DAY,
                                 "points": [{"ts": old + 5, "values": {"t": 1.5}}]})
    assert response.status_code == 200, response.get_json()
    assert series(client, admin_headers, device, "t", start=old, end=old + DAY) == [
        (old - BASE, 1.5)]
    assert latest(client, admin_headers, device)["t"]["ts"] == BASE + 350 * MINUTE
    assert_rollups_exact(app)


def test_delete_range_recomputes_rollups_and_latest(app, client, admin_headers, device, sql,
                                                    assert_rollups_exact):
    response = client.delete(f"/api/devices/{device}/telemetry", headers=admin_headers,
                             query_string={"start": BASE + 5 * HOUR + 1, "end": BASE + DAY,
                                           "keys": "t"})
    assert response.status_code == 200
    assert response.get_json() == {"device_id": device, "start": BASE + 5 * HOUR + 1,
                                   "end": BASE + DAY, "deleted": 5}
    assert series(client, admin_headers, device, "t")[-1] == (5 * HOUR, 30.0)
    assert latest(client, admin_headers, device) == {
        "t": {"ts": BASE + 5 * HOUR, "value": 30.0}, "h": {"ts": BASE + 5 * HOUR, "value": 55.0}}
    assert_rollups_exact(app)

    everything = client.delete(f"/api/devices/{device}/telemetry", headers=admin_headers,
                               query_string={"start": BASE - DAY, "end": BASE + DAY})
    assert everything.get_json()["deleted"] == 31 + 6
    assert latest(client, admin_headers, device) == {}
    assert series(client, admin_headers, device, "t") == []
    assert sql(app, "SELECT COUNT(*) FROM telemetry_1m") == [(0,)]
    assert sql(app, "SELECT COUNT(*) FROM telemetry_1h") == [(0,)]
    nothing = client.delete(f"/api/devices/{device}/telemetry", headers=admin_headers,
                            query_string={"start": BASE - DAY, "end": BASE + DAY})
    assert nothing.status_code == 200 and nothing.get_json()["deleted"] == 0


def test_maintenance_needs_admin(client, headers, device):
    operator = headers("operator")
    assert client.delete(f"/api/devices/{device}/telemetry", headers=operator,
                         query_string={"start": BASE, "end": BASE + DAY}).status_code == 403
    assert client.post(f"/api/devices/{device}/telemetry/corrections", headers=operator,
                       json={"start": BASE, "end": BASE + 1, "points": []}).status_code == 403


INVALID_CORRECTIONS = [
    ({"end": BASE + 1, "points": []}, "start"),
    ({"start": BASE, "end": BASE, "keys": ["t"]}, "end"),
    ({"start": BASE, "end": BASE + HOUR, "points": [{"ts": BASE + HOUR, "values": {"t": 1}}]},
     "points"),
    ({"start": BASE, "end": BASE + HOUR, "points": [{"values": {"t": 1}}]}, "points[0]"),
    ({"start": BASE, "end": BASE + HOUR, "points": [{"ts": BASE, "values": {"t": None}}]},
     "points[0].values.t"),
    ({"start": BASE, "end": BASE + HOUR, "points": {"ts": BASE}}, "points"),
    ({"start": BASE, "end": BASE + HOUR, "points": []}, "keys"),
    ({"start": BASE, "end": BASE + HOUR, "keys": "t"}, "keys"),
    ({"start": BASE, "end": BASE + HOUR, "keys": ["h"],
      "points": [{"ts": BASE, "values": {"t": 1}}]}, "keys"),
    ([], "body"),
]


def test_invalid_corrections_change_nothing(app, client, admin_headers, device, sql, rollups):
    before = rollups(app), sql(app, "SELECT * FROM telemetry ORDER BY device_id, key_id, ts")
    for body, field in INVALID_CORRECTIONS:
        response = client.post(f"/api/devices/{device}/telemetry/corrections", json=body,
                               headers=admin_headers)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["details"]["field"] == field, body
    malformed = client.post(f"/api/devices/{device}/telemetry/corrections", data=b"{",
                            headers={**admin_headers, "Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.get_json()["error"]["code"] == "invalid_json"
    assert (rollups(app), sql(app, "SELECT * FROM telemetry ORDER BY device_id, key_id, ts")) == (
        before)


def test_delete_needs_start_and_end(client, admin_headers, device):
    for args, field in (({"end": BASE}, "start"), ({"start": BASE}, "end")):
        response = client.delete(f"/api/devices/{device}/telemetry", headers=admin_headers,
                                 query_string=args)
        assert response.status_code == 400
        assert response.get_json()["error"]["details"]["field"] == field
