"""A domain added with no edit of a shared file: tests/example_domain, enabled by DOMAINS only,
gets its route, tile, snapshot, job, room and live push."""

import pytest

from smartcity.jobs.scheduler import get_scheduler
from smartcity.timeutil import now_ms
from tests.domain import events, socket, wait_for


@pytest.fixture
def app(make_app):
    return make_app(DOMAINS=["environment", "tests.example_domain"])


@pytest.fixture
def bins(make_device):
    for device_id in ("bin-1", "bin-2"):
        make_device(device_id, type="smart_bin")
    return ["bin-1", "bin-2"]


def test_its_route_is_guarded_and_reads_by_key_name(client, api, bins, store):
    assert client.get("/api/example/fill").status_code == 401
    store([("bin-1", now_ms(), {"fill_level": 91.0})])
    assert api("/api/example/fill")["items"] == {"bin-1": 91.0, "bin-2": None}


def test_its_tile_snapshot_and_job_come_from_the_declaration(app, api, bins, store, live):
    store([("bin-1", now_ms(), {"fill_level": 85.0}), ("bin-2", now_ms(), {"fill_level": 10.0})])
    tiles = {t["name"]: t for t in api("/api/dashboard/overview")["tiles"]}
    assert tiles["example-full"]["data"] == {"value": 1, "detail": "of 2 bins"}
    client = live()
    assert client.emit("request_real_time_data", {"data_type": "example"}, callback=True)["ok"]
    assert events(client, "real_time_data")[0]["data"]["value"] == 1
    with app.app_context():
        assert "example_count" in get_scheduler(app).run_due()


def test_a_reading_is_pushed_to_its_room_as_example_update(live, bins, store):
    client = live("example_monitoring")
    store([("bin-2", now_ms(), {"fill_level": 42.0})])
    assert wait_for(client, "example_update")[-1] == {"bins": {"bin-2": 42.0}}


def test_without_the_setting_the_domain_is_not_there(make_app, login, viewer_headers):
    app = make_app()
    assert app.test_client().get("/api/example/fill", headers=viewer_headers).status_code == 404
    client = socket(app, login("viewer")["access_token"])
    assert client.emit("join_room", {"room": "example"}, callback=True)["ok"] is False
