"""Rules and alarms over REST: validation, RBAC, threshold lifecycle from real ingest, ack/clear,
filters, summary, anomalies_only history."""

import math

import pytest

from smartcity.timeutil import now_ms

MINUTE = 60_000


def post(client, path, headers, body=None):
    return client.post(path, json=body or {}, headers=headers)


# -- rules ---------------------------------------------------------------------------------

def test_create_rule_answers_it_with_defaults_and_alarm_type(client, admin_headers):
    body = {"name": "PM2.5 high", "kind": "threshold", "scope": {"domain": "environment"},
            "key": "pm25", "operator": ">", "value": 55.5, "clear_value": 50,
            "notify": {"webhook_url": "https://hooks.city.test/x", "webhook_secret": "s",
                       "email_to": ["ops@city.test"]}}
    response = post(client, "/api/alert-rules", admin_headers, body)
    assert response.status_code == 201, response.get_json()
    rule = response.get_json()
    assert rule["alarm_type"] == "pm2_5_high" and rule["scope"] == {"domain": "environment"}
    assert (rule["severity"], rule["enabled"], rule["for_duration_s"]) == ("major", True, 0)
    assert rule["notify"]["email_to"] == ["ops@city.test"]


def test_anomaly_rule_gets_default_parameters(make_rule):
    rule = make_rule(kind="anomaly", key="pm25")
    assert (rule["half_life_s"], rule["z_threshold"], rule["warmup"]) == (3600, 4, 30)


THRESHOLD = {"name": "r", "kind": "threshold", "scope": {"device_id": "aq-1"}, "key": "pm25",
             "operator": ">", "value": 100}


@pytest.mark.parametrize("change, field", [
    ({"operator": None}, "operator"),
    ({"kind": "bogus"}, "kind"),
    ({"scope": {"device_id": "aq-1", "domain": "traffic"}}, "scope"),
    ({"scope": {}}, "scope"),
    ({"scope": {"device_type": "toaster"}}, "scope"),
    ({"clear_value": 120}, "clear_value"),
    ({"operator": "==", "clear_value": 90}, "clear_value"),
    ({"kind": "no_data"}, "silent_s"),
    ({"kind": "anomaly", "key": None}, "key"),
    ({"notify": {"webhook_url": "ftp://files.city.test/x"}}, "notify"),
    ({"notify": {"email_to": ["not-an-address"]}}, "notify"),
    ({"notify": {"sms": "+100"}}, "notify"),
    ({"value": "high"}, "value"),
    ({"severity": "high"}, "severity"),
    ({"key": "bad key!"}, "key"),
    ({"for_duration_s": -1}, "for_duration_s"),
    ({"colour": "red"}, "colour"),
    ({"name": "!!!"}, "name"),
])
def test_invalid_rules_name_the_offending_field(client, admin_headers, change, field):
    body = {k: v for k, v in {**THRESHOLD, **change}.items() if v is not None}
    response = post(client, "/api/alert-rules", admin_headers, body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and error["details"]["field"] == field


def test_duplicate_rule_names_conflict(client, admin_headers):
    assert post(client, "/api/alert-rules", admin_headers, THRESHOLD).status_code == 201
    response = post(client, "/api/alert-rules", admin_headers, {**THRESHOLD})
    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["field"] == "name"


def test_viewers_read_rules_operators_change_them(client, headers, make_rule):
    rule = make_rule(key="pm25", operator=">", value=100)
    viewer, operator = headers("viewer"), headers("operator")
    assert client.get("/api/alert-rules", headers=viewer).get_json()["items"][0]["id"] == rule["id"]
    assert client.get(f"/api/alert-rules/{rule['id']}", headers=viewer).status_code == 200
    assert post(client, "/api/alert-rules", viewer, THRESHOLD).status_code == 403
    assert client.patch(f"/api/alert-rules/{rule['id']}", json={"value": 5},
                        headers=viewer).status_code == 403
    assert post(client, "/api/alert-rules", operator, THRESHOLD).status_code == 201
    assert client.get("/api/alert-rules/999", headers=viewer).status_code == 404


def test_patch_validates_the_merged_rule(client, admin_headers, make_rule):
    rule = make_rule(key="pm25", operator=">", value=100, clear_value=90)
    response = client.patch(f"/api/alert-rules/{rule['id']}", json={"value": 80},
                            headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "clear_value"
    response = client.patch(f"/api/alert-rules/{rule['id']}",
                            json={"severity": "critical", "name": "renamed"},
                            headers=admin_headers)
    changed = response.get_json()
    assert changed["severity"] == "critical" and changed["alarm_type"] == rule["alarm_type"]


def test_deleting_a_rule_clears_its_alarms_and_keeps_them(client, admin_headers, make_rule,
                                                          make_device, send, alarms):
    device = make_device("aq-1")
    rule = make_rule(key="pm25", operator=">", value=100)
    send(device, {"pm25": 150})
    assert client.delete(f"/api/alert-rules/{rule['id']}",
                         headers=admin_headers).status_code == 204
    [alarm] = alarms()
    assert alarm["status"] == "cleared_unack" and alarm["rule_id"] is None
    assert alarm["details"]["cleared_reason"] == "rule deleted"


def test_rule_changes_are_audited(client, admin_headers, make_rule):
    rule = make_rule(key="pm25", operator=">", value=100)
    client.patch(f"/api/alert-rules/{rule['id']}", json={"value": 5}, headers=admin_headers)
    entries = client.get("/api/audit", query_string={"target_type": "alert_rule"},
                         headers=admin_headers).get_json()["items"]
    assert [e["action"] for e in entries] == ["alert_rule.updated", "alert_rule.created"]


# -- threshold alarms from real ingest ---------------------------------------------------------

def test_a_reading_over_the_threshold_raises_one_alarm_and_repeats_update_it(
        make_rule, make_device, send, alarms):
    device = make_device("aq-1")
    rule = make_rule(key="pm25", operator=">", value=100, clear_value=90)
    send(device, {"pm25": 40, "pm10": 500})
    assert alarms() == []
    send(device, {"pm25": 150})
    [alarm] = alarms()
    assert (alarm["type"], alarm["originator_id"], alarm["status"], alarm["count"]) == (
        rule["alarm_type"], "aq-1", "active_unack", 1)
    send(device, {"pm25": 170})
    send(device, {"pm25": 160})
    [alarm] = alarms()
    assert (alarm["count"], alarm["value"], alarm["peak_value"]) == (3, 160, 170)


def test_hysteresis_keeps_the_alarm_until_below_clear_value(make_rule, make_device, send, alarms):
    device = make_device("aq-1")
    make_rule(key="pm25", operator=">", value=100, clear_value=90)
    send(device, {"pm25": 150})
    send(device, {"pm25": 95})
    assert alarms()[0]["status"] == "active_unack"
    send(device, {"pm25": 85})
    [alarm] = alarms()
    assert alarm["status"] == "cleared_unack" and alarm["cleared_by"] == "system"
    send(device, {"pm25": 120})
    assert [a["status"] for a in alarms()] == ["active_unack", "cleared_unack"]


def test_for_duration_raises_only_once_the_breach_has_lasted(make_rule, make_device, send,
                                                             alarms):
    device = make_device("aq-1")
    make_rule(key="pm25", operator=">", value=100, for_duration_s=120)
    start = now_ms() - 10 * MINUTE
    send(device, {"pm25": 150}, ts=start)
    send(device, {"pm25": 150}, ts=start + MINUTE)
    assert alarms() == []
    send(device, {"pm25": 150}, ts=start + 2 * MINUTE)
    [alarm] = alarms()
    assert alarm["first_seen"] == start + 2 * MINUTE


# -- listing, ack, clear, summary ---------------------------------------------------------------

@pytest.fixture
def three_alarms(app):
    from smartcity.alerts.service import clear_alarm, raise_alarm

    with app.app_context():
        a = raise_alarm("device", "aq-1", "pm25_high", "critical", {}, 200, "environment")
        b = raise_alarm("device", "bin-1", "bin_full", "minor", {}, 95, "waste")
        c = raise_alarm("asset", "feeder-1", "overload", "major", {}, 1.2, "energy")
        clear_alarm("asset", "feeder-1", "overload")
    return a, b, c


def ids(items):
    return [i["id"] for i in items]


def test_alarms_list_newest_first_with_filters(client, admin_headers, three_alarms, alarms):
    a, b, c = three_alarms
    assert ids(alarms()) == [c["id"], b["id"], a["id"]]
    assert ids(alarms(status="active")) == [b["id"], a["id"]]
    assert ids(alarms(status="cleared_unack,active_ack")) == [c["id"]]
    assert ids(alarms(severity="critical,major")) == [c["id"], a["id"]]
    assert ids(alarms(domain="waste")) == [b["id"]]
    assert ids(alarms(originator="asset:feeder-1")) == [c["id"]]
    assert ids(alarms(originator="aq-1")) == [a["id"]]
    assert ids(alarms(start="-1h")) == ids(alarms()) and alarms(end="-1h") == []
    page = client.get("/api/alerts?limit=2", headers=admin_headers).get_json()
    rest = client.get(f"/api/alerts?limit=2&cursor={page['next_cursor']}",
                      headers=admin_headers).get_json()
    assert ids(page["items"]) + ids(rest["items"]) == ids(alarms()) and not rest["next_cursor"]
    bad = client.get("/api/alerts?status=open", headers=admin_headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["field"] == "status"


def test_ack_and_clear_follow_the_lifecycle(client, headers, three_alarms):
    a, _, c = three_alarms
    operator = headers("operator")
    acked = post(client, f"/api/alerts/{a['id']}/ack", operator).get_json()
    assert acked["status"] == "active_ack" and acked["acked_by"] and acked["acked_at"]
    assert post(client, f"/api/alerts/{a['id']}/ack", operator).status_code == 409
    cleared = post(client, f"/api/alerts/{a['id']}/clear", operator).get_json()
    assert cleared["status"] == "cleared_ack" and not cleared["active"]
    again = post(client, f"/api/alerts/{a['id']}/clear", operator)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert post(client, f"/api/alerts/{a['id']}/ack", operator).status_code == 409
    assert post(client, f"/api/alerts/{c['id']}/ack", operator).get_json()["status"] == (
        "cleared_ack")
    assert post(client, "/api/alerts/999/ack", operator).status_code == 404


def test_viewers_may_not_ack_or_clear(client, headers, three_alarms):
    a = three_alarms[0]
    viewer = headers("viewer")
    assert client.get(f"/api/alerts/{a['id']}", headers=viewer).status_code == 200
    for action in ("ack", "clear"):
        response = post(client, f"/api/alerts/{a['id']}/{action}", viewer)
        assert response.status_code == 403


def test_ack_and_clear_are_audited(client, admin_headers, three_alarms):
    b = three_alarms[1]
    post(client, f"/api/alerts/{b['id']}/clear", admin_headers)
    post(client, f"/api/alerts/{b['id']}/ack", admin_headers)
    entries = client.get("/api/audit", query_string={"target_type": "alarm"},
                         headers=admin_headers).get_json()["items"]
    assert [(e["action"], e["target_id"]) for e in entries] == [
        ("alarm.acked", str(b["id"])), ("alarm.cleared", str(b["id"]))]


def test_summary_counts_open_alarms(client, headers, three_alarms):
    a = three_alarms[0]
    post(client, f"/api/alerts/{a['id']}/ack", headers("operator"))
    summary = client.get("/api/dashboard/alerts/summary", headers=headers("viewer")).get_json()
    assert summary["active"] == 2 and summary["unacknowledged"] == 1
    assert summary["by_severity"] == {"critical": 1, "major": 0, "minor": 1, "warning": 0,
                                      "info": 0}
    assert summary["by_domain"] == {"environment": 1, "waste": 1}
    assert summary["cleared_unacknowledged"] == 1


# -- anomalies -----------------------------------------------------------------------------

def test_ewma_rule_ignores_a_daily_cycle_flags_a_spike_and_filters_history(
        client, admin_headers, make_rule, make_device, settle, alarms):
    make_device("wx-1", type="weather_station")
    rule = make_rule(kind="anomaly", key="temperature", scope={"device_id": "wx-1"},
                     half_life_s=3600, z_threshold=4, warmup=30, severity="warning")
    step = 5 * MINUTE
    start = (now_ms() - 3 * 86_400_000) // step * step
    cycle = [{"device_id": "wx-1", "ts": start + i * step,
              "values": {"temperature": 12 + 8 * math.sin(2 * math.pi * i / 288),
                         "humidity": 60}} for i in range(3 * 288 - 2)]
    response = client.post("/api/telemetry/batch", json=cycle, headers=admin_headers)
    assert response.status_code == 201 and response.get_json()["stored"] == len(cycle) * 2
    settle()
    assert alarms() == []
    spike_ts = cycle[-1]["ts"] + step
    client.post("/api/telemetry/batch", headers=admin_headers, json=[
        {"device_id": "wx-1", "ts": spike_ts, "values": {"temperature": 45}}])
    settle()
    [alarm] = alarms()
    assert alarm["type"] == rule["alarm_type"] and alarm["details"]["z"] > 4
    history = client.get("/api/devices/wx-1/telemetry", headers=admin_headers, query_string={
        "start": start, "anomalies_only": "true"}).get_json()
    assert history["items"] == [{"key": "temperature", "ts": spike_ts, "value": 45}]
    everything = client.get("/api/devices/wx-1/telemetry", headers=admin_headers,
                            query_string={"start": start, "limit": 5}).get_json()
    assert len(everything["items"]) == 5 and everything["next_cursor"]
