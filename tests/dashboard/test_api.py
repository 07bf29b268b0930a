"""/api/dashboard/*: shapes, numbers on hand-built data, the tile registry, and the page shell."""

import re

import pytest

from smartcity.dashboard import tiles
from smartcity.dashboard.service import DAY_MS
from smartcity.extensions import db
from smartcity.telemetry.pipeline import get_pipeline
from smartcity.timeutil import now_ms
from tests.realtime.test_socketio import socket, wait_for


def post_readings(client, device, values, ts=None):
    response = client.post("/api/telemetry", headers={"X-API-Key": device["api_key"]},
                           json={"ts": ts or now_ms(), "values": values})
    assert response.status_code == 201, response.get_json()


def raise_alarm(app, device_id, type, severity, domain):
    from smartcity.alerts.service import raise_alarm as raise_

    with app.app_context():
        alarm = raise_("device", device_id, type, severity, {}, 1.0, domain)
        db.session.remove()
    return alarm


def get(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("path", ["/api/dashboard/overview", "/api/dashboard/real-time-data",
                                  "/api/dashboard/statistics/weekly"])
def test_dashboard_api_needs_a_token_and_a_viewer_may_read_it(client, headers, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers=headers("viewer")).status_code == 200


def test_overview_counts_devices_by_domain_and_connectivity(client, headers, make_device):
    viewer = headers("viewer")
    online = make_device("aq-on")
    make_device("aq-off")
    make_device("cnt-1", type="traffic_counter", status="disabled")
    client.post("/api/devices/heartbeat", headers={"X-API-Key": online["api_key"]})
    devices = get(client, "/api/dashboard/overview", viewer)["devices"]
    assert devices["total"] == 3 and devices["online"] == 1 and devices["offline"] == 2
    assert devices["disabled"] == 1
    assert devices["by_domain"] == {
        "environment": {"total": 2, "online": 1, "offline": 1, "disabled": 0},
        "traffic": {"total": 1, "online": 0, "offline": 1, "disabled": 1}}


def test_overview_counts_open_alarms_by_severity(app, client, headers, make_device):
    raise_alarm(app, "aq-1", "pm25_high", "critical", "environment")
    raise_alarm(app, "aq-2", "pm25_high", "major", "environment")
    raise_alarm(app, "cnt-1", "jam", "major", "traffic")
    with app.app_context():
        from smartcity.alerts.service import clear_alarm

        clear_alarm("device", "cnt-1", "jam")
        db.session.remove()
    alarms = get(client, "/api/dashboard/overview", headers("viewer"))["alarms"]
    assert alarms["active"] == 2 and alarms["unacknowledged"] == 2
    assert alarms["by_severity"]["critical"] == 1 and alarms["by_severity"]["major"] == 1
    assert alarms["by_domain"] == {"environment": 2}


def test_overview_ingest_rate_counts_readings_of_the_last_minutes(client, headers, make_device):
    device = make_device("aq-rate")
    post_readings(client, device, {"pm25": 10, "pm10": 20, "no2": 30})
    post_readings(client, device, {"pm25": 11}, ts=now_ms() - 2 * 3600_000)  # outside the window
    ingest = get(client, "/api/dashboard/overview", headers("viewer"))["ingest"]
    assert ingest["points"] == 3
    assert 240 <= ingest["window_s"] <= 360
    assert ingest["rate_per_s"] == pytest.approx(3 / ingest["window_s"], abs=2e-4)
    assert ingest["queue_depth"] == 0


def test_registered_tiles_are_answered_and_a_failing_one_stops_nothing(app, client, headers):
    def broken():
        raise RuntimeError("boom")

    tiles.register_tile(app, "bins", "Bins to collect", lambda: {"value": 7, "unit": "bins"},
                        "/waste", order=1)
    tiles.register_tile(app, "broken", "Broken", broken)
    tiles.register_tile(app, "health", "Health", "ops.health", order=2)
    answer = [t for t in get(client, "/api/dashboard/overview", headers("viewer"))["tiles"]
              if t["name"] in ("bins", "broken", "health")]  # domains add their own too
    assert answer == [
        {"name": "bins", "title": "Bins to collect", "page_url": "/waste",
         "data": {"value": 7, "unit": "bins"}},
        {"name": "health", "title": "Health", "page_url": None, "source": "/api/health"},
        {"name": "broken", "title": "Broken", "page_url": None, "data": None,
         "error": "unavailable"}]


def test_weekly_statistics_count_readings_and_alarms_per_day_and_domain(app, client, headers,
                                                                        make_device):
    aq = make_device("aq-w")
    counter = make_device("cnt-w", type="traffic_counter")
    now = now_ms()
    today = now // DAY_MS * DAY_MS
    post_readings(client, aq, {"pm25": 1, "pm10": 2}, ts=now)
    post_readings(client, aq, {"pm25": 3}, ts=today - 2 * DAY_MS + 1000)
    post_readings(client, counter, {"intensity": 400}, ts=now)
    post_readings(client, aq, {"pm25": 5}, ts=today - 9 * DAY_MS)  # before the week
    raise_alarm(app, "aq-w", "pm25_high", "major", "environment")
    stats = get(client, "/api/dashboard/statistics/weekly", headers("viewer"))
    assert len(stats["days"]) == 7 and stats["day_starts"][-1] == today
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", stats["days"][0])
    assert stats["series"]["readings"] == {"environment": [0, 0, 0, 0, 1, 0, 2],
                                           "traffic": [0, 0, 0, 0, 0, 0, 1]}
    assert stats["series"]["alarms"] == {"environment": [0, 0, 0, 0, 0, 0, 1]}
    assert stats["series"]["incidents"] == {}
    assert stats["totals"]["readings"] == [0, 0, 0, 0, 1, 0, 3]
    assert stats["domains"] == ["environment", "traffic"]


def test_registered_daily_counts_join_the_weekly_statistics(app, client, headers):
    def incidents(start, end):
        return {"emergency": {end - DAY_MS: 4, start: 1}}

    tiles.register_daily_counts(app, "incidents", incidents)
    stats = get(client, "/api/dashboard/statistics/weekly", headers("viewer"))
    assert stats["series"]["incidents"] == {"emergency": [1, 0, 0, 0, 0, 0, 4]}
    assert stats["totals"]["incidents"] == [1, 0, 0, 0, 0, 0, 4]


def test_real_time_data_answers_snapshots_and_refuses_unknown_types(client, headers,
                                                                     make_device):
    make_device("aq-rt")
    viewer = headers("viewer")
    answer = get(client, "/api/dashboard/real-time-data?data_type=overview", viewer)
    assert answer["data_type"] == "overview"
    assert answer["data"]["devices"] == {"total": 1, "online": 0, "offline": 1}
    response = client.get("/api/dashboard/real-time-data?data_type=nope", headers=viewer)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "data_type"


def test_stored_readings_signal_overview_pages(app, client, login, make_device):
    device = make_device("aq-sig")
    sio = socket(app, login("viewer")["access_token"])
    assert sio.emit("join_room", {"room": "overview"}, callback=True)["ok"]
    post_readings(client, device, {"pm25": 4})
    with app.app_context():
        get_pipeline().call(lambda _conn: None)  # the hooks of the post above have run
    assert wait_for(sio, "overview_update")[0]["points"] == 1


PAGES = ["/", "/login", "/map", "/devices", "/devices/aq-1", "/alerts", "/admin/devices",
         "/admin/groups", "/admin/users", "/admin/service-accounts", "/admin/rules",
         "/admin/notifications", "/profile", "/reset-password"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_serve_the_shell_with_no_inline_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert re.search(r'<script type="module" src="/static/js/pages/\w+\.js">', html)


def test_unknown_admin_section_is_404_and_admin_redirects(client):
    assert client.get("/admin/nope").status_code == 404
    assert client.get("/admin").headers["Location"].endswith("/admin/devices")


def test_static_modules_are_served(client):
    for path in ("/static/js/api.js", "/static/css/app.css", "/static/js/theme-init.js"):
        assert client.get(path).status_code == 200, path


def test_registered_page_is_in_the_navigation_and_served(app, client):
    tiles.register_page(app, "sample", "Sample", "/sample", min_role="viewer")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/sample"' in html
    page = client.get("/sample").get_data(as_text=True)
    assert '<script type="module" src="/static/js/pages/sample.js">' in page


def test_latest_of_one_key_across_the_fleet(client, headers, make_device):
    aq1, aq2 = make_device("aq-l1"), make_device("aq-l2")
    make_device("aq-l3")
    post_readings(client, aq1, {"pm25": 9, "no2": 3}, ts=1_700_000_000_000)
    post_readings(client, aq1, {"pm25": 12}, ts=1_700_000_060_000)
    post_readings(client, aq2, {"pm25": 40})
    viewer = headers("viewer")
    answer = get(client, "/api/dashboard/latest?key=pm25", viewer)
    assert answer["key"] == "pm25" and set(answer["values"]) == {"aq-l1", "aq-l2"}
    assert answer["values"]["aq-l1"] == {"ts": 1_700_000_060_000, "value": 12.0}
    assert get(client, "/api/dashboard/latest?key=nope", viewer)["values"] == {}
    response = client.get("/api/dashboard/latest?key=a%20b", headers=viewer)
    assert response.status_code == 400
