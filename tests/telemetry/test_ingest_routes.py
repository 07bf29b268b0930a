"""HTTP ingest: POST /api/telemetry (device key) and POST /api/telemetry/batch."""

import threading

import orjson
import pytest

from smartcity.telemetry.keys import key_dictionary
from smartcity.telemetry.pipeline import Job, get_pipeline, pipeline_of
from smartcity.timeutil import now_ms


def key(device):
    return {"X-API-Key": device["api_key"]}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def history(client, headers, device_id, **args):
    args.setdefault("start", "-30d")
    args.setdefault("limit", 1000)
    response = client.get(f"/api/devices/{device_id}/telemetry", query_string=args,
                          headers=headers)
    assert response.status_code == 200, response.get_json()
    return [(i["key"], i["ts"], i["value"]) for i in response.get_json()["items"]]


def latest(client, headers, device_id):
    response = client.get(f"/api/devices/{device_id}/telemetry/latest", headers=headers)
    assert response.status_code == 200
    return response.get_json()["values"]


# --- device endpoint -------------------------------------------------------------------------


def test_single_json_reading_answers_201_with_counts(client, make_device, admin_headers, ts):
    device = make_device("aq-1")
    response = client.post("/api/telemetry", headers=key(device),
                           json={"ts": ts, "values": {"pm25": 12.5, "pm10": 20, "ok": True}})
    assert response.status_code == 201
    assert response.get_json() == {"accepted": 1, "points": 3, "stored": 3, "duplicates": 0,
                                   "rejected": []}
    assert sorted(history(client, admin_headers, "aq-1")) == [
        ("ok", ts, True), ("pm10", ts, 20), ("pm25", ts, 12.5)]


def test_array_and_plain_object_readings(client, make_device, admin_headers, ts):
    device = make_device("aq-2")
    response = client.post("/api/telemetry", headers=key(device), json=[
        {"ts": ts, "values": {"pm25": 1}}, {"ts": ts + 1000, "pm25": 2, "label": "x"}])
    assert response.status_code == 201
    assert response.get_json()["accepted"] == 2 and response.get_json()["stored"] == 3
    assert sorted(history(client, admin_headers, "aq-2"), key=lambda p: (p[1], p[0])) == [
        ("pm25", ts, 1), ("label", ts + 1000, "x"), ("pm25", ts + 1000, 2)]


def test_senml_pack(client, make_device, admin_headers):
    device = make_device("senml-1", type="energy_meter")
    now = now_ms()
    pack = [{"bn": "senml-1:", "bt": now / 1000 - 10, "n": "voltage", "u": "V", "v": 230.5},
            {"n": "current", "u": "A", "v": 1.25, "t": -5},
            {"n": "state", "vs": "ok"},
            {"n": "power", "bu": "kW", "bogus_": 1, "v": 3}]
    response = client.post("/api/telemetry", data=orjson.dumps(pack),
                           headers={**key(device), "Content-Type": "application/senml+json"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["accepted"], body["points"], body["stored"]) == (3, 3, 3)
    assert body["rejected"] == [{"index": 3, "error": {
        "code": "unsupported_field", "message": "must-understand field bogus_",
        "field": "bogus_"}}]
    base = round((now / 1000 - 10) * 1000)
    assert sorted(history(client, admin_headers, "senml-1")) == [
        ("current", base - 5000, 1.25), ("state", base, "ok"), ("voltage", base, 230.5)]


def test_senml_with_another_devices_bn_is_400(client, make_device):
    device = make_device("senml-2")
    response = client.post("/api/telemetry", data=b'[{"bn": "someone:", "n": "t", "v": 1}]',
                           headers={**key(device), "Content-Type": "application/senml+json"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "no_valid_readings" and error["details"]["field"] == "bn"
    assert error["details"]["rejected"][0]["error"]["code"] == "wrong_device"


def test_bad_or_missing_key_is_401(client, make_device):
    prefix, secret = make_device()["api_key"].split(".")
    wrong_secret = f"{prefix}.{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
    for headers in ({}, {"X-API-Key": ""}, {"X-API-Key": "nope"}, {"X-API-Key": "abc.def"},
                    {"X-API-Key": wrong_secret}):
        response = client.post("/api/telemetry", json={"values": {"t": 1}}, headers=headers)
        assert response.status_code == 401, headers
        assert response.get_json()["error"]["code"] == "invalid_api_key"


def test_disabled_device_is_403(client, make_device):
    device = make_device("off-1", status="disabled")
    response = client.post("/api/telemetry", json={"values": {"t": 1}}, headers=key(device))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "device_disabled"


def test_partial_batch_is_201_with_rejected_items(client, make_device, admin_headers, ts):
    device = make_device("part-1")
    response = client.post("/api/telemetry", headers=key(device), json=[
        {"ts": ts, "values": {"t": 1}},
        {"ts": ts + 1000, "values": {"bad key": 2}},
        {"ts": now_ms() + 3_600_000, "values": {"t": 3}},
        {"ts": ts + 2000, "values": {"t": {"nested": 1}}},
        {"ts": ts + 3000, "values": {"t": 4}}])
    assert response.status_code == 201
    body = response.get_json()
    assert (body["accepted"], body["points"], body["stored"], body["duplicates"]) == (2, 2, 2, 0)
    assert [(r["index"], r["error"]["code"], r["error"]["field"]) for r in body["rejected"]] == [
        (1, "invalid_key", "values.bad key"), (2, "future_timestamp", "ts"),
        (3, "invalid_value", "values.t")]
    assert all(set(r) == {"index", "error"} and set(r["error"]) == {"code", "message", "field"}
               and r["error"]["message"] for r in body["rejected"])
    assert history(client, admin_headers, "part-1") == [("t", ts, 1), ("t", ts + 3000, 4)]


def test_text_with_nul_is_rejected_and_spoils_nothing_else(client, make_device, admin_headers,
                                                           ts):
    # PostgreSQL text cannot hold U+0000: accepted, it would have failed the commit of every
    # reading in the same group.
    device = make_device("nul-1")
    response = client.post("/api/telemetry", headers=key(device), json=[
        {"ts": ts, "values": {"s": "a\u0000b"}}, {"ts": ts + 1000, "values": {"s": "ok"}}])
    assert response.status_code == 201
    body = response.get_json()
    assert (body["accepted"], body["stored"]) == (1, 1)
    assert [(r["index"], r["error"]["code"], r["error"]["field"]) for r in body["rejected"]] == [
        (0, "invalid_value", "values.s")]
    senml = client.post("/api/telemetry", headers={**key(device),
                                                   "Content-Type": "application/senml+json"},
                        data='[{"n": "s", "vs": "x\\u0000", "t": 1}]')
    assert senml.status_code == 400
    assert history(client, admin_headers, "nul-1") == [("s", ts + 1000, "ok")]


def test_nothing_valid_is_400(client, make_device, admin_headers):
    device = make_device("none-1")
    response = client.post("/api/telemetry", headers=key(device),
                           json=[{"values": {}}, {"values": {"t": None}}])
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "no_valid_readings"
    assert [r["index"] for r in error["details"]["rejected"]] == [0, 1]
    assert history(client, admin_headers, "none-1") == []


def test_malformed_json_is_400_invalid_json(client, make_device):
    device = make_device()
    for data in (b'{"values": ', b"", b"\xff\xfe", b"{'t': 1}"):
        for content_type in ("application/json", "application/senml+json"):
            response = client.post("/api/telemetry", data=data,
                                   headers={**key(device), "Content-Type": content_type})
            assert response.status_code == 400, data
            assert response.get_json()["error"]["code"] == "invalid_json"


def test_empty_array_is_400(client, make_device):
    response = client.post("/api/telemetry", json=[], headers=key(make_device()))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "empty_payload"


def test_ingest_marks_the_device_online(client, make_device, admin_headers):
    device = make_device("seen-1")
    before = client.get("/api/devices/seen-1", headers=admin_headers).get_json()
    assert (before["last_seen"], before["connectivity"]) == (None, "offline")
    assert client.post("/api/telemetry", json={"t": 1}, headers=key(device)).status_code == 201
    after = client.get("/api/devices/seen-1", headers=admin_headers).get_json()
    assert after["last_seen"] is not None and after["connectivity"] == "online"
    online = client.get("/api/devices", query_string={"connectivity": "online"},
                        headers=admin_headers).get_json()
    assert [d["id"] for d in online["items"]] == ["seen-1"]


# --- batch endpoint --------------------------------------------------------------------------


def test_batch_with_user_token(client, make_device, headers, ts):
    make_device("b-1")
    make_device("b-2")
    for n, role in enumerate(("admin", "operator")):
        response = client.post("/api/telemetry/batch", headers=headers(role), json=[
            {"device_id": "b-1", "ts": ts + n, "values": {"t": 1, "h": 2}},
            {"device_id": "b-2", "ts": ts + n, "values": {"t": 3}}])
        assert response.status_code == 201
        assert response.get_json() == {"accepted": 2, "points": 3, "stored": 3,
                                       "duplicates": 0, "rejected": []}


def test_batch_needs_operator(client, make_device, headers):
    make_device("b-3")
    body = [{"device_id": "b-3", "values": {"t": 1}}]
    response = client.post("/api/telemetry/batch", headers=headers("viewer"), json=body)
    assert response.status_code == 403
    response = client.post("/api/telemetry/batch", json=body)
    assert response.status_code == 401


def test_batch_with_service_account(client, make_device, admin_headers):
    make_device("b-4")
    for role, status in (("operator", 201), ("viewer", 403)):
        created = client.post("/api/service-accounts", headers=admin_headers,
                              json={"name": f"feed-{role}", "role": role})
        assert created.status_code == 201
        response = client.post("/api/telemetry/batch",
                               headers=bearer(created.get_json()["token"]),
                               json=[{"device_id": "b-4", "values": {"t": 1}}])
        assert response.status_code == status, role


def test_gateway_posts_for_its_children_only(client, make_device, admin_headers, ts):
    gateway = make_device("gw-1", type="gateway")
    make_device("child-1", type="smart_bin", gateway_id="gw-1")
    make_device("stranger-1", type="smart_bin")
    response = client.post("/api/telemetry/batch", headers=key(gateway), json=[
        {"device_id": "child-1", "ts": ts, "values": {"fill_level": 40}},
        {"device_id": "stranger-1", "ts": ts, "values": {"fill_level": 50}},
        {"device_id": "gw-1", "ts": ts, "values": {"uptime": 7}}])
    assert response.status_code == 201
    body = response.get_json()
    assert (body["accepted"], body["stored"]) == (2, 2)
    assert body["rejected"] == [{"index": 1, "device_id": "stranger-1", "error": {
        "code": "forbidden_device", "message": "caller may not write for this device",
        "field": "device_id"}}]
    assert history(client, admin_headers, "child-1") == [("fill_level", ts, 40)]
    assert history(client, admin_headers, "stranger-1") == []


def test_a_gateway_batch_keeps_the_gateway_itself_online(client, make_device, admin_headers, ts):
    gateway = make_device("gw-2", type="gateway")
    make_device("child-2", type="smart_bin", gateway_id="gw-2")
    assert client.get("/api/devices/gw-2", headers=admin_headers).get_json()[
        "connectivity"] == "offline"
    response = client.post("/api/telemetry/batch", headers=key(gateway), json=[
        {"device_id": "child-2", "ts": ts, "values": {"fill_level": 40}}])
    assert response.status_code == 201
    assert client.get("/api/devices/gw-2", headers=admin_headers).get_json()[
        "connectivity"] == "online"


def test_plain_device_key_cannot_post_batches(client, make_device):
    device = make_device("notgw")
    response = client.post("/api/telemetry/batch", headers=key(device),
                           json=[{"device_id": "notgw", "values": {"t": 1}}])
    assert response.status_code == 403


def test_batch_rejects_unknown_disabled_and_missing_devices_per_item(client, make_device,
                                                                       admin_headers, ts):
    make_device("b-5")
    make_device("b-off", status="disabled")
    response = client.post("/api/telemetry/batch", headers=admin_headers, json=[
        {"device_id": "ghost", "ts": ts, "values": {"t": 1}},
        {"device_id": "b-5", "ts": ts, "values": {"t": 2}},
        {"device_id": "b-off", "ts": ts, "values": {"t": 3}},
        {"ts": ts, "values": {"t": 4}},
        {"device_id": 7, "values": {"t": 5}},
        "junk",
        {"device_id": "b-5", "ts": ts + 1, "values": {"t": []}}])
    assert response.status_code == 201
    rejected = [(r["index"], r.get("device_id"), r["error"]["code"], r["error"]["field"])
                for r in response.get_json()["rejected"]]
    assert rejected == [(0, "ghost", "unknown_device", "device_id"),
                        (2, "b-off", "device_disabled", "device_id"),
                        (3, None, "invalid_device_id", "device_id"),
                        (4, None, "invalid_device_id", "device_id"),
                        (5, None, "invalid_device_id", "device_id"),
                        (6, "b-5", "invalid_value", "values.t")]
    assert history(client, admin_headers, "b-5") == [("t", ts, 2)]


def test_batch_of_plain_objects_does_not_store_device_id_as_a_key(client, make_device,
                                                                  admin_headers, ts):
    make_device("b-6")
    response = client.post("/api/telemetry/batch", headers=admin_headers,
                           json=[{"device_id": "b-6", "ts": ts, "t": 1}])
    assert response.status_code == 201
    assert response.get_json()["points"] == 1
    assert history(client, admin_headers, "b-6") == [("t", ts, 1)]


def test_batch_must_be_a_non_empty_array(client, admin_headers):
    for body, code in (({"device_id": "x"}, "invalid_batch"), ("x", "invalid_batch"),
                       (5, "invalid_batch"), ([], "empty_payload")):
        response = client.post("/api/telemetry/batch", headers=admin_headers, json=body)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == code


def test_too_many_points_is_413(make_app, make_device, admin_headers, sql):
    make_device("big-1")
    app = make_app(MAX_BATCH_POINTS=10)
    client = app.test_client()
    at_limit = [{"device_id": "big-1", "ts": 1_700_000_000_000 + i, "values": {"t": i}}
                for i in range(10)]
    assert client.post("/api/telemetry/batch", headers=admin_headers,
                       json=at_limit).status_code == 201
    over = [{"device_id": "big-1", "ts": 1_700_000_100_000,
             "values": {f"k{i}": i for i in range(11)}}]
    response = client.post("/api/telemetry/batch", headers=admin_headers, json=over)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_many_points"
    assert sql(app, "SELECT COUNT(*) FROM telemetry") == [(10,)]


def test_body_over_max_content_length_is_413(make_app, make_device):
    app = make_app(MAX_CONTENT_LENGTH=1000)
    device = make_device("big-2")
    response = app.test_client().post(
        "/api/telemetry", headers=key(device),
        json=[{"values": {"t": i}} for i in range(200)])
    assert response.status_code == 413
    assert "error" in response.get_json()


def test_full_queue_is_503_with_retry_after(make_app, make_device, admin_headers, ts):
    device = make_device("q-1")
    app = make_app(INGEST_QUEUE_SIZE=1)
    client = app.test_client()
    pipeline = app.extensions["smartcity.pipeline"]
    entered, release = threading.Event(), threading.Event()

    def block_writer(points):
        if any(p.key == "block" for p in points):
            entered.set()
            release.wait(30)

    pipeline.add_hook(block_writer)  # after-commit hooks run in the writer thread
    try:
        assert client.post("/api/telemetry", headers=key(device),
                           json={"ts": ts, "values": {"block": 1}}).status_code == 201
        assert entered.wait(10)
        filler = pipeline.submit([])  # the writer is stuck in the hook: this job stays queued
        response = client.post("/api/telemetry", headers=key(device),
                               json={"ts": ts + 1, "values": {"t": 1}})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert response.get_json()["error"]["code"] == "ingest_queue_full"
    finally:
        release.set()
    assert isinstance(filler, Job) and filler.wait(10)
    response = client.post("/api/telemetry", headers=key(device),
                           json={"ts": ts + 1, "values": {"t": 1}})
    assert response.status_code == 201
    assert history(client, admin_headers, "q-1") == [("block", ts, 1), ("t", ts + 1, 1)]


# --- idempotence -----------------------------------------------------------------------------


def test_retried_batch_changes_nothing(app, client, make_device, admin_headers, sql, rollups,
                                       assert_rollups_exact, ts):
    make_device("r-1")
    make_device("r-2")
    batch = [{"device_id": d, "ts": ts + i * 20_000, "values": {"t": i * 1.5, "h": 100 - i}}
             for i in range(30) for d in ("r-1", "r-2")]
    batch.append({"device_id": "r-1", "ts": ts, "values": {"t": 999}})  # in-batch repeat
    first = client.post("/api/telemetry/batch", headers=admin_headers, json=batch)
    assert first.status_code == 201
    assert first.get_json() == {"accepted": 61, "points": 121, "stored": 120, "duplicates": 1,
                                "rejected": []}
    state = (history(client, admin_headers, "r-1"), history(client, admin_headers, "r-2"),
             latest(client, admin_headers, "r-1"), rollups(app),
             sql(app, "SELECT device_id, key_id, ts, value, text_value FROM telemetry "
                      "ORDER BY device_id, key_id, ts"))
    assert len(state[0]) == 60 and ("t", ts, 0.0) in state[0]
    assert len(state[3]["telemetry_1m"]) == 2 * 2 * 10  # 30 points, 3 per minute, per series

    for _ in range(2):
        again = client.post("/api/telemetry/batch", headers=admin_headers, json=batch)
        assert again.status_code == 201
        assert again.get_json() == {"accepted": 61, "points": 121, "stored": 0,
                                    "duplicates": 121, "rejected": []}
        assert (history(client, admin_headers, "r-1"), history(client, admin_headers, "r-2"),
                latest(client, admin_headers, "r-1"), rollups(app),
                sql(app, "SELECT device_id, key_id, ts, value, text_value FROM telemetry "
                         "ORDER BY device_id, key_id, ts")) == state
    assert_rollups_exact(app)


def test_partly_retried_batch_stores_only_the_new_points(app, client, make_device, admin_headers,
                                                         assert_rollups_exact, ts):
    make_device("r-3")
    first = [{"device_id": "r-3", "ts": ts + i * 1000, "values": {"t": i}} for i in range(5)]
    assert client.post("/api/telemetry/batch", headers=admin_headers,
                       json=first).get_json()["stored"] == 5
    second = first[2:] + [{"device_id": "r-3", "ts": ts + i * 1000, "values": {"t": i}}
                          for i in range(5, 8)]
    body = client.post("/api/telemetry/batch", headers=admin_headers, json=second).get_json()
    assert (body["points"], body["stored"], body["duplicates"]) == (6, 3, 3)
    assert [v for _, _, v in history(client, admin_headers, "r-3")] == list(range(8))
    assert_rollups_exact(app)


def test_first_write_wins(app, client, make_device, admin_headers, rollups, ts):
    device = make_device("fw-1")
    assert client.post("/api/telemetry", headers=key(device),
                       json={"ts": ts, "values": {"t": 1.0, "s": "first"}}).status_code == 201
    before = rollups(app)
    response = client.post("/api/telemetry", headers=key(device),
                           json={"ts": ts, "values": {"t": 2.0, "s": "second"}})
    assert response.status_code == 201
    assert (response.get_json()["stored"], response.get_json()["duplicates"]) == (0, 2)
    assert sorted(history(client, admin_headers, "fw-1")) == [("s", ts, "first"), ("t", ts, 1.0)]
    assert latest(client, admin_headers, "fw-1") == {"t": {"ts": ts, "value": 1.0},
                                                     "s": {"ts": ts, "value": "first"}}
    assert rollups(app) == before
    assert before["telemetry_1m"][("fw-1", "t", ts)] == (1, 1.0, 1.0, 1.0)


def test_latest_follows_the_newest_timestamp_not_the_newest_post(client, make_device,
                                                                 admin_headers, ts):
    device = make_device("lt-1")
    client.post("/api/telemetry", headers=key(device), json={"ts": ts + 5000, "values": {"t": 5}})
    client.post("/api/telemetry", headers=key(device), json={"ts": ts, "values": {"t": 1}})
    assert latest(client, admin_headers, "lt-1") == {"t": {"ts": ts + 5000, "value": 5}}


def test_a_key_created_in_a_rolled_back_transaction_is_not_trusted(app, client, make_device,
                                                                    admin_headers):
    # A transaction of the writer creates a key's id, then fails and rolls back: the id no
    # longer exists, and readings of that key must still be stored (not dropped, not 201 with 0).
    key = make_device("aq-retry")["api_key"]

    def create_key_then_fail(conn):
        key_dictionary(app).ids(conn, {"first_time_key"})
        raise RuntimeError("storage trouble after the key was created")

    with app.app_context(), pytest.raises(RuntimeError):
        get_pipeline().call(create_key_then_fail)
    reading = {"ts": now_ms() - 1000, "values": {"first_time_key": 4.2}}
    stored = client.post("/api/telemetry", json=reading, headers={"X-API-Key": key})
    assert stored.status_code == 201
    assert stored.get_json()["stored"] == 1
    assert latest(client, admin_headers, "aq-retry") == {
        "first_time_key": {"ts": reading["ts"], "value": 4.2}}


# --- load shedding -----------------------------------------------------------------------------


def test_ingest_beyond_its_in_flight_slots_is_503_with_retry_after_and_nothing_stored(
        make_app, make_device, admin_headers, ts):
    app = make_app(INGEST_MAX_IN_FLIGHT=1)
    client = app.test_client()
    device = make_device("shed-1")
    pipeline = pipeline_of(app)
    assert pipeline.admit()  # another request holds the one slot
    try:
        for path, body, headers in (
                ("/api/telemetry", {"ts": ts, "values": {"pm25": 1}}, key(device)),
                ("/api/telemetry/batch", [{"device_id": "shed-1", "ts": ts, "values": {"pm25": 1}}],
                 admin_headers)):
            response = client.post(path, json=body, headers=headers)
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "1"
            assert response.get_json()["error"]["code"] == "ingest_busy"
    finally:
        pipeline.release()
    assert pipeline.stats["requests_shed"] == 2
    assert history(client, admin_headers, "shed-1") == []
    response = client.post("/api/telemetry", headers=key(device),
                           json={"ts": ts, "values": {"pm25": 2}})
    assert response.status_code == 201
    assert history(client, admin_headers, "shed-1") == [("pm25", ts, 2)]
