"""Alarm changes reach Socket.IO clients at once as `alert` events."""

import time

from smartcity.timeutil import now_ms


def socket(app, token):
    return app.extensions["smartcity.socketio"].test_client(app, auth={"token": token})


def alerts(client, timeout=5.0, want=1):
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline and len(seen) < want:
        seen += [e["args"][0] for e in client.get_received() if e["name"] == "alert"]
        time.sleep(0.02)
    return seen


def test_alarm_lifecycle_is_pushed_live(app, client, login, headers, make_rule, make_device,
                                        send):
    device = make_device("aq-1")
    rule = make_rule(key="pm25", operator=">", value=100, clear_value=90)
    sio = socket(app, login("viewer")["access_token"])
    assert sio.emit("join_room", {"room": "alerts"}, callback=True)["ok"]
    send(device, {"pm25": 150})
    [created] = alerts(sio)
    assert created["action"] == "created"
    assert (created["alarm"]["type"], created["alarm"]["originator_id"]) == (
        rule["alarm_type"], "aq-1")
    send(device, {"pm25": 180})
    [updated] = alerts(sio)
    assert updated["action"] == "updated" and updated["alarm"]["peak_value"] == 180
    client.post(f"/api/alerts/{created['alarm']['id']}/ack", headers=headers("operator"))
    assert [e["action"] for e in alerts(sio)] == ["acked"]
    send(device, {"pm25": 50}, ts=now_ms())
    [cleared] = alerts(sio)
    assert cleared["action"] == "cleared" and cleared["alarm"]["status"] == "cleared_ack"


def test_severity_subscriptions_filter_alarms(app, login, make_rule, make_device, send):
    device = make_device("aq-1")
    make_rule(key="pm25", operator=">", value=100, severity="minor")
    token = login("viewer")["access_token"]
    critical_only, environment = socket(app, token), socket(app, token)
    critical_only.emit("subscribe_alerts", {"severity_levels": ["critical"]}, callback=True)
    environment.emit("subscribe_alerts", {"modules": ["environment"]}, callback=True)
    send(device, {"pm25": 150})
    [pushed] = alerts(environment)
    assert pushed["alarm"]["severity"] == "minor"
    assert alerts(critical_only, timeout=0.3) == []
