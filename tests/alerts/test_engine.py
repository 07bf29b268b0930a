"""The engine on committed batches: indexing, merging, scopes, reloads; raise_alarm for domains;
listeners; the no-data job."""

import threading

import pytest
from sqlalchemy import select

from smartcity.alerts import service
from smartcity.alerts.engine import Engine
from smartcity.alerts.models import Alarm, AnomalyFlag
from smartcity.alerts.setup import get_engine
from smartcity.extensions import db
from smartcity.jobs.scheduler import get_scheduler
from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms

T0 = now_ms() - 3_600_000


def evaluate(app, points, engine=None):
    with app.app_context():
        return (engine or get_engine(app)).evaluate(points)


def all_alarms(app):
    with app.app_context():
        stmt = service.list_query({}).order_by(Alarm.id)
        return [service.to_dict(a) for a in db.session.scalars(stmt)]


def test_keys_without_rules_are_skipped(app, make_rule, make_device):
    make_device("aq-1")
    make_rule(key="pm25", operator=">", value=100)
    assert evaluate(app, [Point("aq-1", "no2", T0 + i, 500.0, None) for i in range(100)]) == []
    assert get_engine(app).stats["rule_steps"] == 0


def test_a_batch_of_repeats_is_one_alarm_with_count_peak_and_times(app, make_rule, make_device):
    make_device("aq-1")
    rule = make_rule(key="pm25", operator=">", value=100, severity="critical")
    values = [50, 120, 150, 130]
    changes = evaluate(app, [Point("aq-1", "pm25", T0 + i * 1000, float(v), None)
                             for i, v in enumerate(values)])
    assert [c[0] for c in changes] == ["created"]
    alarm = all_alarms(app)[0]
    assert alarm["type"] == rule["alarm_type"] and alarm["rule_id"] == rule["id"]
    assert (alarm["count"], alarm["value"], alarm["peak_value"]) == (3, 130, 150)
    assert (alarm["first_seen"], alarm["last_seen"]) == (T0 + 1000, T0 + 3000)
    assert alarm["domain"] == "environment" and alarm["severity"] == "critical"
    assert alarm["details"]["threshold"] == 100


def test_out_of_order_points_in_a_batch_are_judged_in_time_order(app, make_rule, make_device):
    make_device("aq-1")
    make_rule(key="pm25", operator=">", value=100)
    points = [Point("aq-1", "pm25", T0 + 2000, 50.0, None),
              Point("aq-1", "pm25", T0 + 1000, 150.0, None)]
    assert [c[0] for c in evaluate(app, points)] == ["created", "cleared"]


def test_a_falling_rule_keeps_the_minimum_as_peak(app, make_rule, make_device):
    make_device("bin-1", type="smart_bin")
    make_rule(key="temperature", operator="<", value=0, scope={"domain": "waste"})
    evaluate(app, [Point("bin-1", "temperature", T0 + i, v, None)
                   for i, v in enumerate([-2.0, -7.0, -3.0])])
    alarm = all_alarms(app)[0]
    assert (alarm["peak_value"], alarm["value"], alarm["domain"]) == (-7.0, -3.0, "waste")


def test_scopes_select_their_devices(app, make_rule, make_device):
    make_device("aq-1", asset_id="district-1")
    make_device("aq-2")
    make_device("bin-1", type="smart_bin")
    make_rule(key="v", operator=">", value=0, scope={"device_id": "aq-2"}, name="by id")
    make_rule(key="v", operator=">", value=0, scope={"asset_id": "district-1"}, name="by asset")
    make_rule(key="v", operator=">", value=0, scope={"device_type": "smart_bin"}, name="by type")
    evaluate(app, [Point(d, "v", T0, 1.0, None) for d in ("aq-1", "aq-2", "bin-1")]
             + [Point("district-1", "v", T0, 1.0, None)])  # the asset's own derived value
    found = {(a["type"], a["originator_type"], a["originator_id"]) for a in all_alarms(app)}
    assert found == {("by_id", "device", "aq-2"), ("by_asset", "device", "aq-1"),
                     ("by_asset", "asset", "district-1"), ("by_type", "device", "bin-1")}


def test_text_values_never_match(app, make_rule, make_device):
    make_device("aq-1")
    make_rule(key="state", operator="==", value=1)
    assert evaluate(app, [Point("aq-1", "state", T0, None, "on")]) == []


def test_rules_reload_when_changed_and_disabling_clears(app, client, admin_headers,
                                                         make_rule, make_device):
    make_device("aq-1")
    assert evaluate(app, [Point("aq-1", "pm25", T0, 500.0, None)]) == []
    rule = make_rule(key="pm25", operator=">", value=100)
    assert [c[0] for c in evaluate(app, [Point("aq-1", "pm25", T0 + 1, 500.0, None)])] == [
        "created"]
    response = client.patch(f"/api/alert-rules/{rule['id']}", json={"enabled": False},
                            headers=admin_headers)
    assert response.status_code == 200
    assert all_alarms(app)[0]["status"] == "cleared_unack"
    assert all_alarms(app)[0]["details"]["cleared_reason"] == "rule disabled"
    assert evaluate(app, [Point("aq-1", "pm25", T0 + 2, 500.0, None)]) == []


def test_changing_another_rule_keeps_pending_timers(app, make_rule, make_device):
    make_device("aq-1")
    make_rule(key="pm25", operator=">", value=100, for_duration_s=60)
    evaluate(app, [Point("aq-1", "pm25", T0, 500.0, None)])
    make_rule(key="no2", operator=">", value=100)
    assert [c[0] for c in evaluate(app, [Point("aq-1", "pm25", T0 + 60_000, 500.0, None)])] == [
        "created"]


def test_a_manually_cleared_alarm_is_reopened_by_the_next_breach(app, make_rule, make_device):
    make_device("aq-1")
    make_rule(key="pm25", operator=">", value=100)
    evaluate(app, [Point("aq-1", "pm25", T0, 500.0, None)])
    with app.app_context():
        service.clear_alarm("device", "aq-1", all_alarms(app)[0]["type"])
    evaluate(app, [Point("aq-1", "pm25", T0 + 1, 500.0, None)])
    assert [a["status"] for a in all_alarms(app)] == ["cleared_unack", "active_unack"]


def test_a_restarted_engine_still_clears_alarms_opened_before(app, make_rule, make_device):
    make_device("aq-1")
    make_rule(key="pm25", operator=">", value=100)
    make_rule(key="pm25", kind="anomaly", warmup=3, name="pm25 anomaly")
    points = [Point("aq-1", "pm25", T0 + i * 60_000, 10.0 + i % 2, None) for i in range(10)]
    evaluate(app, [*points, Point("aq-1", "pm25", T0 + 10 * 60_000, 500.0, None)])
    assert {a["status"] for a in all_alarms(app)} == {"active_unack"}
    fresh = Engine(app)
    later = T0 + 11 * 60_000
    evaluate(app, [Point("aq-1", "pm25", later + i * 60_000, 10.0 + i % 2, None)
                   for i in range(5)], engine=fresh)
    assert [a["status"] for a in all_alarms(app)] == ["cleared_unack", "cleared_unack"]


def test_anomalous_readings_are_flagged(app, make_rule, make_device):
    make_device("aq-1")
    rule = make_rule(key="pm25", kind="anomaly", warmup=5, z_threshold=4)
    points = [Point("aq-1", "pm25", T0 + i * 60_000, 10.0 + (i % 3), None) for i in range(30)]
    evaluate(app, [*points, Point("aq-1", "pm25", T0 + 30 * 60_000, 90.0, None)])
    alarm = all_alarms(app)[0]
    assert alarm["type"] == rule["alarm_type"] and alarm["details"]["z"] > 4
    with app.app_context():
        flags = db.session.execute(select(AnomalyFlag.ts, AnomalyFlag.rule_id)).all()
    assert [tuple(f) for f in flags] == [(T0 + 30 * 60_000, rule["id"])]


def test_raise_alarm_creates_then_repeats_with_higher_severity_only(app):
    with app.app_context():
        first = service.raise_alarm("asset", "district-1", "aqi_high", "minor", {"aqi": 160},
                                    value=160, domain="environment")
        second = service.raise_alarm("asset", "district-1", "aqi_high", "critical", {"aqi": 210},
                                     value=210, domain="environment")
        third = service.raise_alarm("asset", "district-1", "aqi_high", "warning", {"aqi": 155},
                                    value=155)
        cleared = service.clear_alarm("asset", "district-1", "aqi_high")
        assert service.clear_alarm("asset", "district-1", "aqi_high") is None
    assert first["status"] == "active_unack" and first["count"] == 1
    assert second["id"] == first["id"] and second["severity"] == "critical"
    assert (third["count"], third["severity"], third["peak_value"]) == (3, "critical", 210)
    assert cleared["status"] == "cleared_unack" and cleared["cleared_by"] == "system"


def test_raise_alarm_checks_its_arguments(app):
    with app.app_context(), pytest.raises(ValueError):
        service.raise_alarm("planet", "x", "t", "major", {})
    with app.app_context(), pytest.raises(ValueError):
        service.raise_alarm("system", "x", "t", "high", {})


def test_concurrent_raises_share_one_open_alarm(app):
    errors = []

    def raise_one():
        try:
            with app.app_context():
                service.raise_alarm("system", "ingest", "queue_full", "major", {})
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=raise_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    alarms = all_alarms(app)
    assert len(alarms) == 1 and alarms[0]["count"] == 8


def test_listeners_get_action_alarm_and_rule_after_commit(app, make_rule, make_device):
    seen = []
    service.add_alarm_listener(app, lambda action, alarm, rule: seen.append(
        (action, alarm["type"], rule and rule["name"])))
    service.add_alarm_listener(app, lambda *_: 1 / 0)  # a broken listener stops nothing
    make_device("aq-1")
    rule = make_rule(key="pm25", operator=">", value=100,
                     notify={"webhook_url": "https://hooks.city.test/a", "email_to": []})
    evaluate(app, [Point("aq-1", "pm25", T0, 500.0, None)])
    with app.app_context():
        service.raise_alarm("system", "mqtt", "broker_down", "critical", {})
    assert seen == [("created", rule["alarm_type"], rule["name"]),
                    ("created", "broker_down", None)]


def test_no_data_job_raises_for_silent_devices_and_clears_when_data_returns(
        app, make_rule, make_device, send):
    quiet = make_device("bin-1", type="smart_bin")
    make_device("bin-2", type="smart_bin", status="disabled")
    chatty = make_device("bin-3", type="smart_bin")
    rule = make_rule(kind="no_data", scope={"device_type": "smart_bin"}, silent_s=600,
                     key="fill_level", name="bin silent")
    now = now_ms()
    send(quiet, {"fill_level": 40}, ts=now - 3_600_000)
    send(chatty, {"fill_level": 40}, ts=now - 60_000)
    scheduler = get_scheduler(app)
    with app.app_context():
        assert "alerts_no_data" in scheduler.run_due(now)
    found = [(a["originator_id"], a["status"], a["type"]) for a in all_alarms(app)]
    assert found == [("bin-1", "active_unack", rule["alarm_type"])]
    assert all_alarms(app)[0]["details"]["last_data_ts"] == now - 3_600_000
    # A second run while still silent neither duplicates nor repeats the alarm.
    with app.app_context():
        scheduler.run_due(now + 31_000)
    assert [a["count"] for a in all_alarms(app)] == [1]
    send(quiet, {"fill_level": 41})
    with app.app_context():
        scheduler.run_due(now + 62_000)
    assert [a["status"] for a in all_alarms(app)] == ["cleared_unack"]
