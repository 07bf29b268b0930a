"""The device identity cache ingest reads: changes committed here apply at once, changes made
elsewhere (another process, raw SQL) within DEVICE_CACHE_TTL."""

import uuid

from sqlalchemy import update

from smartcity.devices.models import Device
from smartcity.extensions import db
from tests.broker import wait_until


def post(client, api_key, value=1.0):
    return client.post("/api/telemetry", json={"values": {"pm25": value}},
                       headers={"X-API-Key": api_key})


def change_elsewhere(app, device_id, **values):
    """What another process would do: a committed change this process's session never saw."""
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(update(Device).where(Device.id == device_id).values(**values))


def test_disabling_through_the_api_refuses_the_next_reading(client, admin_headers, make_device):
    device = make_device("soon-off")
    assert post(client, device["api_key"]).status_code == 201
    response = client.patch("/api/devices/soon-off", json={"status": "disabled"},
                            headers=admin_headers)
    assert response.status_code == 200
    refused = post(client, device["api_key"])
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "device_disabled"


def test_deleting_through_the_api_refuses_the_next_reading(client, admin_headers, make_device):
    device = make_device("soon-gone")
    assert post(client, device["api_key"]).status_code == 201
    assert client.delete("/api/devices/soon-gone", headers=admin_headers).status_code == 204
    assert post(client, device["api_key"]).status_code == 401


def directory(app):
    return app.extensions["smartcity.device_directory"]


def test_a_change_made_elsewhere_applies_once_the_ttl_is_over(app, client, make_device):
    # Without Redis (as here: no announcer), only the TTL bounds a stale entry.
    directory(app).announcer = None
    directory(app).ttl = 2.0
    device = make_device("elsewhere")
    assert post(client, device["api_key"]).status_code == 201
    change_elsewhere(app, "elsewhere", status="disabled")
    assert post(client, device["api_key"], 2.0).status_code == 201  # the documented window
    readings = iter(range(3, 1000))
    wait_until(lambda: post(client, device["api_key"], next(readings)).status_code == 403,
               timeout=10)


def test_with_a_zero_ttl_every_reading_looks_the_device_up(app, client, make_device):
    directory(app).ttl = 0
    device = make_device("uncached")
    assert post(client, device["api_key"]).status_code == 201
    change_elsewhere(app, "uncached", status="disabled")
    assert post(client, device["api_key"], 2.0).status_code == 403


def test_a_device_registered_elsewhere_is_accepted_at_once(app, client, make_device):
    make_device("first")  # the directory has loaded its snapshot of the fleet
    assert directory(app).status("first") == "active"
    device = make_device("second")
    assert directory(app).status("second") == "active"
    assert post(client, device["api_key"]).status_code == 201


def test_batch_items_of_unknown_and_disabled_devices_are_rejected(client, admin_headers,
                                                                  make_device):
    make_device("ok-1")
    make_device("off-1", status="disabled")
    body = [{"device_id": "ok-1", "values": {"pm25": 1}},
            {"device_id": "nobody", "values": {"pm25": 2}},
            {"device_id": "nobody", "values": {"pm25": 3}},
            {"device_id": "off-1", "values": {"pm25": 4}}]
    response = client.post("/api/telemetry/batch", json=body, headers=admin_headers)
    assert response.status_code == 201
    codes = [(r["index"], r["error"]["code"]) for r in response.get_json()["rejected"]]
    assert codes == [(1, "unknown_device"), (2, "unknown_device"), (3, "device_disabled")]


def test_with_redis_a_change_in_one_process_reaches_the_others_at_once(make_app, redis_url,
                                                                       admin_headers):
    # Two apps on one database stand for two processes; the TTL is long, so only the Redis
    # announcement can make the second one forget.
    channel = f"test-{uuid.uuid4().hex}"
    settings = {"REDIS_URL": redis_url, "SOCKETIO_CHANNEL": channel, "DEVICE_CACHE_TTL": 3600}
    here, there = make_app(**settings), make_app(**settings)
    api, ingest = here.test_client(), there.test_client()
    device = api.post("/api/devices", json={"id": "announced", "type": "air_quality_station"},
                      headers=admin_headers).get_json()
    assert post(ingest, device["api_key"]).status_code == 201  # cached over there
    wait_until(lambda: directory(there).announcer.subscribed, timeout=5)
    response = api.patch("/api/devices/announced", json={"status": "disabled"},
                         headers=admin_headers)
    assert response.status_code == 200
    wait_until(lambda: post(ingest, device["api_key"], 2.0).status_code == 403, timeout=5)
