"""Telemetry reads: history, latest, aggregates (device and fleet), CSV, errors, access."""

import csv
import io
import math
from collections import defaultdict

import pytest
from sqlalchemy import text

from smartcity.extensions import db
from smartcity.telemetry import queries
from smartcity.telemetry.keys import key_dictionary
from smartcity.timeutil import iso, now_ms

HOUR = 3_600_000
INTERVALS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": HOUR, "1d": 24 * HOUR}
AGGS = ("avg", "min", "max", "sum", "count")


def post(client, headers, device_id, points):
    """Store [(key, ts, value)] through the batch API, one reading per timestamp."""
    readings = defaultdict(dict)
    for key, ts, value in points:
        readings[ts][key] = value
    body = [{"device_id": device_id, "ts": ts, "values": values}
            for ts, values in readings.items()]
    response = client.post("/api/telemetry/batch", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["stored"] == len(points)


def get(client, headers, path, **args):
    response = client.get(path, query_string=args, headers=headers)
    assert response.status_code == 200, (path, args, response.get_json())
    return response


def items(body):
    return [(i["key"], i["ts"], i["value"]) for i in body["items"]]


def expected_series(points, keys, start, end, interval_ms, agg):
    """Aggregate in Python what the API should answer (numbers and booleans count)."""
    buckets = defaultdict(lambda: defaultdict(list))
    for key, ts, value in points:
        if key in keys and start <= ts < end and not isinstance(value, str):
            buckets[key][ts // interval_ms * interval_ms].append(float(value))
    funcs = {"avg": lambda v: sum(v) / len(v), "min": min, "max": max, "sum": sum, "count": len}
    return {key: [{"ts": b, "value": funcs[agg](buckets[key][b])} for b in sorted(buckets[key])]
            for key in keys}


def assert_series_equal(actual, expected):
    assert actual.keys() == expected.keys()
    for key in expected:
        assert [p["ts"] for p in actual[key]] == [p["ts"] for p in expected[key]], key
        for got, want in zip(actual[key], expected[key], strict=True):
            assert math.isclose(got["value"], want["value"], rel_tol=1e-9, abs_tol=1e-9), (
                key, got, want)


@pytest.fixture
def t0():
    """An hour-aligned time 30 hours ago: data spans it, day and hour edges included."""
    return (now_ms() - 30 * HOUR) // HOUR * HOUR


@pytest.fixture
def series(client, admin_headers, make_device, t0):
    """Device q-1 with temp every 7m13s over 28h, a boolean and a text key every 2h."""
    make_device("q-1")
    points = [("temp", t0 + i * 433_000, round(10 + 5 * math.sin(i / 9), 3))
              for i in range(28 * HOUR // 433_000)]
    points += [("open", t0 + i * 2 * HOUR, i % 3 == 0) for i in range(14)]
    points += [("state", t0 + i * 2 * HOUR + 1, f"s{i}") for i in range(14)]
    post(client, admin_headers, "q-1", points)
    return points


# --- history ---------------------------------------------------------------------------------


def test_history_shape_and_keys_filter(client, headers, series, t0):
    viewer = headers("viewer")
    body = get(client, viewer, "/api/devices/q-1/telemetry", start=t0, end=t0 + 4 * HOUR,
               keys="open,state", limit=1000).get_json()
    assert set(body) == {"device_id", "items", "next_cursor"}
    assert body["device_id"] == "q-1" and body["next_cursor"] is None
    assert all(set(i) == {"key", "ts", "value"} for i in body["items"])
    assert items(body) == [("open", t0, True), ("state", t0 + 1, "s0"),
                           ("open", t0 + 2 * HOUR, False), ("state", t0 + 2 * HOUR + 1, "s1")]
    only_temp = items(get(client, viewer, "/api/devices/q-1/telemetry", start=t0,
                          end=t0 + HOUR, keys="temp", limit=1000).get_json())
    assert only_temp == [p for p in series if p[0] == "temp" and p[1] < t0 + HOUR]
    unknown = get(client, viewer, "/api/devices/q-1/telemetry", start=t0, keys="nothing")
    assert unknown.get_json()["items"] == []


def test_history_time_forms_are_equivalent(client, admin_headers, series, t0):
    start, end = t0 + HOUR, t0 + 3 * HOUR
    forms = [(start, end), (str(start), str(end)), (iso(start), iso(end)),
             (iso(start).replace("Z", "+00:00"), iso(end).replace(".000Z", "Z"))]
    answers = [items(get(client, admin_headers, "/api/devices/q-1/telemetry", start=s, end=e,
                         limit=1000).get_json()) for s, e in forms]
    assert answers[0] == sorted(answers[0], key=lambda p: p[1]) and len(answers[0]) > 10
    assert all(a == answers[0] for a in answers)
    assert {p[1] for p in answers[0]} == {p[1] for p in series if start <= p[1] < end}


def test_history_relative_start_defaults_to_the_last_day(client, admin_headers, make_device):
    make_device("q-rel")
    now = now_ms()
    post(client, admin_headers, "q-rel", [("t", now - 25 * HOUR, 1), ("t", now - 23 * HOUR, 2),
                                          ("t", now - 60_000, 3)])
    path = "/api/devices/q-rel/telemetry"
    assert [v for _, _, v in items(get(client, admin_headers, path).get_json())] == [2, 3]
    assert [v for _, _, v in items(get(client, admin_headers, path, start="-24h")
                                   .get_json())] == [2, 3]
    assert [v for _, _, v in items(get(client, admin_headers, path, start="-2d", end="-1h")
                                   .get_json())] == [1, 2]
    assert [v for _, _, v in items(get(client, admin_headers, path, start="-26h",
                                       order="desc").get_json())] == [3, 2, 1]


@pytest.mark.parametrize("order, keys", [("asc", None), ("desc", None), ("asc", "temp,open")])
def test_pagination_visits_every_point_once(client, admin_headers, series, t0, order, keys):
    args = {"start": t0, "end": t0 + 30 * HOUR, "order": order}
    if keys:
        args["keys"] = keys
    everything = items(get(client, admin_headers, "/api/devices/q-1/telemetry", limit=1000,
                           **args).get_json())
    wanted = [p for p in series if keys is None or p[0] in keys.split(",")]
    assert sorted(everything, key=lambda p: (p[1], p[0])) == sorted(
        wanted, key=lambda p: (p[1], p[0]))
    stamps = [p[1] for p in everything]
    assert stamps == sorted(stamps, reverse=order == "desc")

    seen, cursor, pages = [], None, 0
    while True:
        page_args = {**args, "limit": 17, **({"cursor": cursor} if cursor else {})}
        body = get(client, admin_headers, "/api/devices/q-1/telemetry", **page_args).get_json()
        assert len(body["items"]) <= 17
        seen += items(body)
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    assert pages == -(-len(everything) // 17)


def test_pagination_through_equal_timestamps(client, admin_headers, make_device, t0):
    make_device("q-wide")
    post(client, admin_headers, "q-wide", [(f"k{k}", t0 + s * 1000, k * 10 + s)
                                           for s in range(4) for k in range(7)])
    for order in ("asc", "desc"):
        seen, cursor = [], None
        while True:
            args = {"start": t0, "limit": 3, "order": order, **({"cursor": cursor} if cursor
                                                              else {})}
            body = get(client, admin_headers, "/api/devices/q-wide/telemetry", **args).get_json()
            seen += items(body)
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 28
        assert [ts for _, ts, _ in seen] == sorted((ts for _, ts, _ in seen),
                                                   reverse=order == "desc")


def test_history_order_desc_is_the_reverse(client, admin_headers, series, t0):
    args = {"start": t0, "end": t0 + 6 * HOUR, "limit": 1000}
    asc = items(get(client, admin_headers, "/api/devices/q-1/telemetry", **args).get_json())
    desc = items(get(client, admin_headers, "/api/devices/q-1/telemetry", order="desc",
                     **args).get_json())
    assert desc == asc[::-1]


# --- latest ----------------------------------------------------------------------------------


def test_latest_shape(client, headers, series):
    viewer = headers("viewer")
    body = get(client, viewer, "/api/devices/q-1/telemetry/latest").get_json()
    newest = {}
    for key, ts, value in series:
        if key not in newest or ts > newest[key]["ts"]:
            newest[key] = {"ts": ts, "value": value}
    assert body == {"device_id": "q-1", "values": newest}
    assert body["values"]["open"]["value"] is False  # 13 % 3 != 0
    narrowed = get(client, viewer, "/api/devices/q-1/telemetry/latest", keys="state,nope")
    assert narrowed.get_json() == {"device_id": "q-1", "values": {"state": newest["state"]}}


def test_latest_of_unknown_keys_is_empty_not_404(client, admin_headers, series):
    body = get(client, admin_headers, "/api/devices/q-1/telemetry/latest", keys="nope").get_json()
    assert body == {"device_id": "q-1", "values": {}}


def test_latest_of_a_silent_device_is_empty(client, admin_headers, make_device):
    make_device("q-silent")
    assert get(client, admin_headers, "/api/devices/q-silent/telemetry/latest").get_json() == {
        "device_id": "q-silent", "values": {}}


# --- aggregates ------------------------------------------------------------------------------


def test_aggregate_every_interval_and_function(client, admin_headers, series, t0):
    start, end = t0 + 17 * 60_000 + 1234, t0 + 27 * HOUR + 7
    for interval, width in INTERVALS.items():
        for agg in AGGS:
            body = get(client, admin_headers, "/api/devices/q-1/telemetry/aggregate",
                       keys="temp,open", start=start, end=end, interval=interval,
                       agg=agg).get_json()
            assert {k: body[k] for k in ("device_id", "interval", "agg")} == {
                "device_id": "q-1", "interval": interval, "agg": agg}
            assert set(body["series"]) == {"temp", "open"}
            assert all(set(p) == {"ts", "value"} and p["ts"] % width == 0
                       for points in body["series"].values() for p in points)
            assert_series_equal(body["series"], expected_series(
                series, {"temp", "open"}, start, end, width, agg))


@pytest.mark.parametrize("offset, span", [
    (3 * HOUR + 7 * 60_000 + 11, 41 * 60_000),  # inside one hour: raw rows only, one bucket
    (3 * HOUR + 7 * 60_000 + 11, HOUR),  # two partial hours, no whole one between
    (5 * HOUR, 2 * HOUR - 1),  # a whole hour then a partial one
])
def test_aggregate_of_short_ranges(client, admin_headers, series, fleet, t0, offset, span):
    start, end = t0 + offset, t0 + offset + span
    both = series + [p for points in fleet.values() for p in points]
    for interval in ("1h", "1d", "15m"):
        for agg in AGGS:
            args = {"start": start, "end": end, "interval": interval, "agg": agg}
            body = get(client, admin_headers, "/api/devices/q-1/telemetry/aggregate",
                       keys="temp,open", **args).get_json()
            assert_series_equal(body["series"], expected_series(
                series, {"temp", "open"}, start, end, INTERVALS[interval], agg))
            for key in ("temp", "pm25"):
                body = get(client, admin_headers, "/api/telemetry/aggregate", key=key,
                           **args).get_json()
                assert_series_equal(body["series"], expected_series(
                    both, {key}, start, end, INTERVALS[interval], agg))


def test_aggregate_defaults_and_text_keys(client, admin_headers, series, t0):
    body = get(client, admin_headers, "/api/devices/q-1/telemetry/aggregate",
               keys="temp,state").get_json()
    assert (body["interval"], body["agg"]) == ("1h", "avg")
    assert body["series"]["state"] == []  # text has no numeric aggregate
    assert body["series"]["temp"] and all(p["ts"] % HOUR == 0 for p in body["series"]["temp"])


def test_aggregate_of_keys_without_data(client, admin_headers, series, t0):
    args = {"start": t0 - 2 * HOUR, "end": t0, "interval": "15m", "agg": "max"}
    body = get(client, admin_headers, "/api/devices/q-1/telemetry/aggregate", keys="temp",
               **args).get_json()
    assert body["series"] == {"temp": []}
    for path, arg in (("/api/devices/q-1/telemetry/aggregate", "keys"),
                      ("/api/telemetry/aggregate", "key")):
        never = get(client, admin_headers, path, **{arg: "never_written"}, **args).get_json()
        assert never["series"].get("never_written", []) == []
        rows = read_csv(get(client, admin_headers, path, format="csv",
                            **{arg: "never_written"}, **args))
        assert rows == []


@pytest.fixture
def fleet(client, admin_headers, make_device, t0):
    devices = {"fa-1": ("air_quality_station", "seg-1"), "fa-2": ("air_quality_station", "seg-2"),
               "tc-1": ("traffic_counter", "seg-1")}
    points = {}
    for n, (device_id, (device_type, asset)) in enumerate(devices.items()):
        make_device(device_id, type=device_type, asset_id=asset)
        points[device_id] = [("pm25", t0 + i * 600_000 + n * 1000, float(n * 100 + i % 17))
                             for i in range(60)]
        post(client, admin_headers, device_id, points[device_id])
    return points


FLEETS = [
    ({}, ["fa-1", "fa-2", "tc-1"]),
    ({"device_type": "air_quality_station"}, ["fa-1", "fa-2"]),
    ({"domain": "traffic"}, ["tc-1"]),
    ({"asset_id": "seg-1"}, ["fa-1", "tc-1"]),
    ({"asset_id": "seg-1", "device_type": "traffic_counter"}, ["tc-1"]),
    ({"device_type": "gateway"}, []),
]


def test_fleet_aggregate(client, headers, fleet, t0):
    viewer = headers("viewer")
    start, end = t0 + 5 * 60_000, t0 + 9 * HOUR
    for filters, members in FLEETS:
        combined = [p for m in members for p in fleet[m]]
        for interval, agg in (("1h", "avg"), ("15m", "count"), ("1d", "max"), ("5m", "sum")):
            body = get(client, viewer, "/api/telemetry/aggregate", key="pm25", start=start,
                       end=end, interval=interval, agg=agg, **filters).get_json()
            assert body["filters"] == filters
            assert body["devices"] == (None if not filters else len(members))
            assert (body["interval"], body["agg"]) == (interval, agg)
            assert_series_equal(body["series"], expected_series(
                combined, {"pm25"}, start, end, INTERVALS[interval], agg))


def test_repeated_fleet_aggregates_answer_the_same(client, headers, fleet, t0):
    # psycopg prepares a statement from its fifth run on a connection, and PostgreSQL may then
    # plan it once for every later run: the device list must survive that.
    args = {"key": "pm25", "device_type": "air_quality_station", "start": t0, "end": t0 + 9 * HOUR}
    answers = [get(client, headers("viewer"), "/api/telemetry/aggregate", **args).get_json()
               for _ in range(8)]
    assert answers[0]["devices"] == 2 and answers[0]["series"]["pm25"]
    assert all(a == answers[0] for a in answers)


def test_aggregate_buckets_and_series_agree(app, series, fleet, t0):
    """Domains read aggregate()'s Buckets, the endpoints aggregate_series(): one answer."""
    start, end = t0 + 17 * 60_000 + 1234, t0 + 27 * HOUR + 7
    with app.app_context(), db.engine.connect() as conn:
        key_ids = list(key_dictionary(app).known_ids(conn, ["temp", "open", "pm25"]).values())
        for device_ids in (["q-1"], ["fa-1", "fa-2", "tc-1"], ["fa-2", "nobody"], None, []):
            for interval_ms in INTERVALS.values():
                buckets = queries.aggregate(conn, device_ids, key_ids, start, end, interval_ms)
                for agg in AGGS:
                    assert queries.aggregate_series(
                        conn, device_ids, key_ids, start, end, interval_ms, agg) == {
                        k: [(b, found[b].value(agg)) for b in sorted(found)]
                        for k, found in buckets.items()}, (device_ids, interval_ms, agg)


def test_nobody_else_sees_devices_outside_the_fleet_in_range(app, series, fleet, t0):
    with app.app_context(), db.engine.connect() as conn:
        known = key_dictionary(app).known_ids(conn, ["pm25", "temp"])
        pm25, both = [known["pm25"]], list(known.values())
        during, after = (t0, t0 + 9 * HOUR), (t0 + 11 * HOUR, t0 + 20 * HOUR)  # fleet data: 10h

        def nobody_else(devices, keys, span):
            stmt = queries._with_devices(text(f"SELECT {queries._nobody_else(keys)}"))
            return bool(conn.execute(stmt, {"devices": devices, "lo": span[0],
                                            "hi": span[1]}).scalar())

        assert nobody_else(["fa-1", "fa-2", "tc-1"], pm25, during)
        assert nobody_else(["fa-1", "fa-2", "tc-1", "nobody"], pm25, during)
        assert not nobody_else(["fa-1", "fa-2"], pm25, during)
        assert not nobody_else(["tc-1"], pm25, during)
        assert nobody_else(["fa-1", "fa-2"], pm25, after)  # tc-1's rows are all earlier
        assert not nobody_else(["fa-1", "fa-2", "tc-1"], both, during)  # q-1 has temp


def test_fleet_aggregate_answers_alike_with_and_without_the_device_test(
        app, series, fleet, t0, monkeypatch):
    """A fleet holding every device with data reads the rollup unfiltered: same answers."""
    start, end = t0 + 17 * 60_000 + 1234, t0 + 27 * HOUR + 7
    points = {**fleet, "q-1": series}
    everyone = ["fa-1", "fa-2", "tc-1"]
    cases = [(everyone, ["pm25"]), ([*everyone, "q-1"], ["pm25", "temp"]),
             (["fa-1", "fa-2"], ["pm25"]), (["fa-2", "nobody"], ["pm25", "temp"])]
    with app.app_context(), db.engine.connect() as conn:
        known = key_dictionary(app).known_ids(conn, ["pm25", "temp"])
        for devices, keys in cases:
            ids = [known[k] for k in keys]
            theirs = [p for device in devices for p in points.get(device, [])]
            for interval_ms in (HOUR, 24 * HOUR):
                for agg in AGGS:
                    args = (conn, devices, ids, start, end, interval_ms, agg)
                    answer = queries.aggregate_series(*args)
                    assert_series_equal(
                        {k: [{"ts": b, "value": v} for b, v in answer[known[k]]] for k in keys},
                        expected_series(theirs, set(keys), start, end, interval_ms, agg))
                    with monkeypatch.context() as m:
                        m.setattr(queries, "_device_test", lambda *a: "device_id IN :devices")
                        assert queries.aggregate_series(*args) == answer, (devices, agg)


def test_fleet_aggregate_needs_key(client, admin_headers):
    response = client.get("/api/telemetry/aggregate", headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "key"


# --- validation, CSV, access -----------------------------------------------------------------


BAD_QUERIES = [
    ("/api/devices/q-1/telemetry/aggregate", {"keys": "temp", "interval": "2m"}, "interval"),
    ("/api/devices/q-1/telemetry/aggregate", {"keys": "temp", "agg": "median"}, "agg"),
    ("/api/devices/q-1/telemetry/aggregate", {"keys": "temp", "start": "soon"}, "start"),
    ("/api/devices/q-1/telemetry/aggregate", {"keys": "temp", "end": "2024-02-30T00:00:00Z"},
     "end"),
    ("/api/devices/q-1/telemetry/aggregate", {"keys": "temp", "start": "-1h", "end": "-2h"},
     "end"),
    ("/api/devices/q-1/telemetry/aggregate", {"interval": "1h"}, "keys"),
    ("/api/devices/q-1/telemetry/aggregate", {"keys": "bad key"}, "keys"),
    ("/api/devices/q-1/telemetry/aggregate", {"keys": "temp", "interval": "1m", "start": "0"},
     "interval"),
    ("/api/devices/q-1/telemetry", {"start": "yesterday"}, "start"),
    ("/api/devices/q-1/telemetry", {"end": "-5x"}, "end"),
    ("/api/devices/q-1/telemetry", {"cursor": "!!!"}, "cursor"),
    ("/api/devices/q-1/telemetry", {"limit": "0"}, "limit"),
    ("/api/devices/q-1/telemetry", {"limit": "many"}, "limit"),
    ("/api/devices/q-1/telemetry/latest", {"keys": "a,b c"}, "keys"),
    ("/api/telemetry/aggregate", {"key": "temp", "agg": "p99"}, "agg"),
    ("/api/telemetry/aggregate", {"key": "temp", "interval": "1w"}, "interval"),
    ("/api/telemetry/aggregate", {"key": "temp", "start": "1e3"}, "start"),
]


def test_bad_query_is_400_naming_the_field(client, admin_headers, make_device):
    make_device("q-1")
    for path, args, field in BAD_QUERIES:
        response = client.get(path, query_string=args, headers=admin_headers)
        assert response.status_code == 400, (path, args)
        error = response.get_json()["error"]
        assert (error["code"], error["details"]["field"]) == ("validation_error", field), (
            path, args)


def read_csv(response):
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def csv_value(text, like):
    if isinstance(like, bool):
        return {"true": True, "false": False}[text]
    if isinstance(like, int | float):
        return float(text)
    return text


def test_history_csv_equals_json(client, admin_headers, series, t0):
    for order in ("asc", "desc"):
        args = {"start": t0, "end": t0 + 30 * HOUR, "order": order}
        json_items = get(client, admin_headers, "/api/devices/q-1/telemetry", limit=1000,
                         **args).get_json()["items"]
        rows = read_csv(get(client, admin_headers, "/api/devices/q-1/telemetry", format="csv",
                            **args))
        assert list(rows[0]) == ["device_id", "key", "ts", "time", "value"]
        assert len(rows) == len(json_items) == len(series)
        for row, item in zip(rows, json_items, strict=True):
            assert row["device_id"] == "q-1"
            assert (row["key"], int(row["ts"]), row["time"]) == (item["key"], item["ts"],
                                                                 iso(item["ts"]))
            assert csv_value(row["value"], item["value"]) == item["value"]


def test_aggregate_csv_equals_json(client, admin_headers, series, fleet, t0):
    cases = [("/api/devices/q-1/telemetry/aggregate", {"keys": "temp,open"}),
             ("/api/telemetry/aggregate", {"key": "pm25", "asset_id": "seg-1"})]
    for path, filters in cases:
        for interval, agg in (("15m", "avg"), ("1h", "count"), ("1d", "sum")):
            args = {**filters, "start": t0, "end": t0 + 30 * HOUR, "interval": interval, "agg": agg}
            body = get(client, admin_headers, path, **args).get_json()
            rows = read_csv(get(client, admin_headers, path, format="csv", **args))
            assert list(rows[0]) == ["key", "ts", "time", "value"]
            from_csv = defaultdict(list)
            for row in rows:
                assert row["time"] == iso(int(row["ts"]))
                from_csv[row["key"]].append({"ts": int(row["ts"]), "value": float(row["value"])})
            assert {k: v for k, v in from_csv.items()} == {
                k: v for k, v in body["series"].items() if v}


def test_unknown_device_is_404(client, admin_headers):
    for suffix in ("", "/latest", "/aggregate?keys=temp"):
        response = client.get(f"/api/devices/ghost/telemetry{suffix}", headers=admin_headers)
        assert response.status_code == 404, suffix
        assert response.get_json()["error"]["code"] == "not_found"


def test_reads_need_a_token(client, make_device):
    make_device("q-1")
    for path in ("/api/devices/q-1/telemetry", "/api/devices/q-1/telemetry/latest",
                 "/api/devices/q-1/telemetry/aggregate?keys=t",
                 "/api/telemetry/aggregate?key=t"):
        response = client.get(path)
        assert response.status_code == 401, path
    device_key = {"X-API-Key": make_device("q-2")["api_key"]}
    assert client.get("/api/devices/q-2/telemetry", headers=device_key).status_code == 401


def test_every_requested_key_has_a_series_even_if_never_written(client, make_device,
                                                                admin_headers):
    make_device("aq-unknown")
    device = client.get("/api/devices/aq-unknown/telemetry/aggregate?keys=never_seen",
                        headers=admin_headers).get_json()
    assert device["series"] == {"never_seen": []}
    fleet = client.get("/api/telemetry/aggregate?key=never_seen&device_type=air_quality_station",
                       headers=admin_headers).get_json()
    assert fleet["series"] == {"never_seen": []}
