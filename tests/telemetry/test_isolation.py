"""One device cannot stop everyone's ingest: when the database refuses a group commit for what
it holds, the writer stores the other parts and refuses only the bad ones (HTTP and MQTT, both
backends)."""

import threading
import time
import uuid

import orjson
import pytest

from smartcity.mqtt.setup import start_consumer
from smartcity.telemetry.faults import REFUSED_CODE
from smartcity.telemetry.pipeline import get_pipeline, pipeline_of
from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms
from tests.broker import wait_until
from tests.ingest_faults import MESSAGE, db_dialect, poisoned


def key(device):
    return {"X-API-Key": device["api_key"]}


def held_writer(app):
    """Keep the writer busy until the returned event is set: what is submitted meanwhile
    commits as one group."""
    gate, running = threading.Event(), threading.Event()

    def hold(_conn):
        running.set()
        gate.wait(30)

    threading.Thread(target=pipeline_of(app).call, args=(hold,), daemon=True).start()
    assert running.wait(10)
    return gate


def stored(sql, app, device_id) -> list[tuple]:
    return sql(app, "SELECT ts, value FROM telemetry WHERE device_id = :d ORDER BY ts",
               d=device_id)


def test_a_refused_device_in_a_group_leaves_the_others_stored(app, make_device, sql, ts,
                                                              assert_rollups_exact):
    for device_id in ("good-1", "good-2", "poison-1"):
        make_device(device_id)
    pipeline = pipeline_of(app)
    with poisoned(app):
        gate = held_writer(app)
        good = pipeline.submit([Point("good-1", "t", ts + i, 1.0, None) for i in range(3)])
        mixed = pipeline.submit(  # items: good-2, poison-1, good-2
            [Point("good-2", "t", ts, 1.0, None), Point("poison-1", "t", ts, 2.0, None),
             Point("poison-1", "u", ts, 3.0, None), Point("good-2", "t", ts + 1, 4.0, None)],
            units=[1, 3, 4])
        poison = pipeline.submit([Point("poison-1", "t", ts + 5, 5.0, None)])
        gate.set()
        for job in (good, mixed, poison):
            assert job.wait(30) and job.error is None, job.error
    assert (good.inserted, good.refused) == (3, [])
    assert mixed.inserted == 2 and [unit for unit, _ in mixed.refused] == [1]
    assert MESSAGE in mixed.refused[0][1]
    assert (poison.inserted, [unit for unit, _ in poison.refused]) == (0, [0])
    assert stored(sql, app, "good-2") == [(ts, 1.0), (ts + 1, 4.0)]
    assert stored(sql, app, "poison-1") == []
    assert pipeline.stats["parts_refused"] == 2
    assert_rollups_exact(app)
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert "smartcity_ingest_parts_refused_total 2.0" in metrics


def test_the_original_case_two_huge_readings_in_one_minute(app, make_device, sql, ts,
                                                           assert_rollups_exact):
    # On PostgreSQL two finite 1.7e308 in one minute overflow the rollup sum: the whole group
    # commit failed, for every device in it, on every retry. The parser now refuses such values;
    # the writer must hold even when one gets through.
    make_device("huge-1")
    make_device("calm-1")
    pipeline = pipeline_of(app)
    gate = held_writer(app)
    huge = pipeline.submit([Point("huge-1", "t", ts, 1.7e308, None),
                            Point("huge-1", "t", ts + 1000, 1.7e308, None)], units=[1, 2])
    calm = pipeline.submit([Point("calm-1", "t", ts, 20.5, None)])
    gate.set()
    assert huge.wait(30) and huge.error is None and calm.wait(30) and calm.error is None
    assert calm.inserted == 1 and stored(sql, app, "calm-1") == [(ts, 20.5)]
    if db_dialect(app) == "postgresql":
        assert (huge.inserted, [unit for unit, _ in huge.refused]) == (1, [1])
        assert stored(sql, app, "huge-1") == [(ts, 1.7e308)]
        assert_rollups_exact(app)
    else:  # SQLite sums to infinity instead of failing
        assert huge.inserted == 2


def test_huge_values_over_http_are_refused_and_others_post_at_the_same_time(client,
                                                                            make_device, ts):
    huge, calm = make_device("huge-2"), make_device("calm-2")
    for i in range(2):
        response = client.post("/api/telemetry", headers=key(huge),
                               json={"ts": ts + i, "values": {"t": 1.7e308}})
        assert response.status_code == 400
        [item] = response.get_json()["error"]["details"]["rejected"]
        assert (item["error"]["code"], item["error"]["field"]) == ("value_out_of_range",
                                                                   "values.t")
        response = client.post("/api/telemetry", headers=key(calm),
                               json={"ts": ts + i, "values": {"t": 1.5}})
        assert response.status_code == 201 and response.get_json()["stored"] == 1


def test_http_batch_lists_the_refused_items_and_stores_the_rest(client, make_device,
                                                                admin_headers, sql, ts):
    make_device("good-3")
    make_device("poison-3")
    with poisoned(client.application):
        response = client.post("/api/telemetry/batch", headers=admin_headers, json=[
            {"device_id": "good-3", "ts": ts, "values": {"t": 1}},
            {"device_id": "poison-3", "ts": ts, "values": {"t": 2, "u": 3}},
            {"device_id": "good-3", "ts": ts + 1, "values": {"t": 4}}])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["accepted"], body["stored"]) == (2, 2)
    [item] = body["rejected"]
    assert (item["index"], item["device_id"], item["error"]["code"]) == (1, "poison-3",
                                                                         REFUSED_CODE)
    assert MESSAGE in item["error"]["message"] and item["error"]["field"] == "values"
    assert stored(sql, client.application, "good-3") == [(ts, 1.0), (ts + 1, 4.0)]


def test_a_device_whose_readings_are_all_refused_gets_400(client, make_device, ts):
    poison = make_device("poison-4")
    with poisoned(client.application):
        response = client.post("/api/telemetry", headers=key(poison),
                               json=[{"ts": ts, "values": {"t": 1}},
                                     {"ts": ts + 1, "values": {"t": 2}}])
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "no_valid_readings"
    assert [(r["index"], r["error"]["code"]) for r in error["details"]["rejected"]] == [
        (0, REFUSED_CODE), (1, REFUSED_CODE)]


def test_concurrent_posters_are_untouched_by_a_refused_one(app, make_device, sql, ts):
    devices = {d: make_device(d) for d in ("poison-5", "ok-5a", "ok-5b")}
    answers = {}

    def post(device_id):
        response = app.test_client().post("/api/telemetry", headers=key(devices[device_id]),
                                          json={"ts": ts, "values": {"t": 1, "u": 2}})
        answers[device_id] = response.status_code

    with poisoned(app):
        gate = held_writer(app)
        threads = [threading.Thread(target=post, args=(d,)) for d in devices]
        for thread in threads:
            thread.start()
        wait_until(lambda: get_pipeline_depth(app) == 3)
        gate.set()
        for thread in threads:
            thread.join(30)
    assert answers == {"poison-5": 400, "ok-5a": 201, "ok-5b": 201}
    assert len(stored(sql, app, "ok-5a")) == len(stored(sql, app, "ok-5b")) == 2


def get_pipeline_depth(app) -> int:
    with app.app_context():
        return get_pipeline().depth()


# --- MQTT ------------------------------------------------------------------------------------


@pytest.fixture
def consumer(make_app, broker):
    app = make_app(MQTT_URL=broker["url"], DEVICE_CACHE_TTL=0,
                   MQTT_CLIENT_ID=f"iso-{uuid.uuid4().hex[:8]}")
    started = start_consumer(app, "worker")
    wait_until(lambda: started.stats.connected)
    time.sleep(0.2)  # let the SUBACK land before tests publish
    yield app, started
    started.stop()


def test_mqtt_refused_message_is_acked_and_reported_others_stored(consumer, make_device,
                                                                  mqtt_client, sql):
    app, mqtt = consumer
    make_device("poison-6")
    make_device("ok-6")
    errors = []
    observer = mqtt_client()
    observer.on_message = lambda _c, _u, message: errors.append(orjson.loads(message.payload))
    observer.subscribe("smartcity/errors/#", qos=1)
    time.sleep(0.2)
    device = mqtt_client()
    now = now_ms()
    with poisoned(app):
        gate = held_writer(app)  # the messages below gather into one group
        for i in range(3):
            for device_id in ("ok-6", "poison-6"):
                device.publish(f"devices/{device_id}/telemetry",
                               orjson.dumps({"ts": now - 3000 + i, "values": {"t": i}}), qos=1)
        wait_until(lambda: mqtt.stats.messages_in == 6)
        gate.set()
        wait_until(lambda: mqtt.stats.acked == 6)
    assert len(stored(sql, app, "ok-6")) == 3 and stored(sql, app, "poison-6") == []
    wait_until(lambda: len(errors) == 3)
    assert {(e["topic"], e["code"]) for e in errors} == {
        ("devices/poison-6/telemetry", REFUSED_CODE)}
    assert mqtt.stats.commit_failures == 0
