"""People's own alarm notifications: the preferences API, filtering at enqueue time, holding in
quiet hours and digests, through the real dispatcher, database and a local chat receiver."""

from datetime import UTC, datetime

import orjson
import pytest

from smartcity.notifications import people
from tests.notifications.conftest import make_alarm, make_rule

PREFS = "/api/users/me/notifications"


def utc(*args) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def person(client, login):
    """A signed-in operator: (headers, user id)."""
    body = login("operator")
    return {"Authorization": f"Bearer {body['access_token']}"}, body["user"]["id"]


@pytest.fixture
def chat_person(client, person, receiver):
    """The person, asking for major+ environment alarms on a Slack-style chat webhook."""
    auth, user_id = person
    response = client.put(PREFS, headers=auth, json={
        "channels": ["chat"], "chat_url": receiver.url, "min_severity": "major",
        "domains": ["environment"], "timezone": "Europe/Berlin"})
    assert response.status_code == 200, response.get_json()
    return auth, user_id


def enqueue(app, dispatcher, action, alarm, now, rule=None):
    with app.app_context():
        return dispatcher.enqueue(action, alarm, rule, now=now)


def test_preferences_default_to_nothing_and_say_which_channels_exist(client, person):
    auth, _ = person
    body = client.get(PREFS, headers=auth).get_json()
    assert body["enabled"] is False and body["channels"] == []  # no SMTP here
    assert body["digest"] == "immediate" and body["timezone"] == "UTC"
    assert body["channels_available"] == {"email": False, "sms": False, "push": False,
                                          "chat": True}
    assert body["channels_unavailable_reason"]["sms"] == "SMS is not configured on this server"
    assert body["vapid_public_key"] is None and body["held"] == 0


def test_preferences_are_saved_merged_and_read_back(client, person, receiver):
    auth, _ = person
    saved = client.put(PREFS, headers=auth, json={
        "channels": ["chat"], "chat_url": receiver.url, "chat_style": "teams",
        "min_severity": "minor", "domains": ["waste", "water"], "quiet_start": "22:00",
        "quiet_end": "07:00", "timezone": "America/New_York", "digest": "daily",
        "daily_at": "07:30"})
    assert saved.status_code == 200, saved.get_json()
    again = client.put(PREFS, headers=auth, json={"min_severity": "critical"}).get_json()
    assert again["enabled"] is True and again["min_severity"] == "critical"
    assert (again["domains"], again["quiet_start"], again["quiet_end"], again["timezone"],
            again["digest"], again["daily_at"], again["chat_style"]) == (
        ["waste", "water"], "22:00", "07:00", "America/New_York", "daily", "07:30", "teams")
    assert client.get(PREFS, headers=auth).get_json() == again


@pytest.mark.parametrize(("body", "field"), [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": "CET "}, "timezone"),
    ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
    ({"quiet_start": "7:00", "quiet_end": "08:00"}, "quiet_start"),
    ({"quiet_start": "22:00", "quiet_end": "22:00"}, "quiet_end"),
    ({"quiet_start": "22:00"}, "quiet_end"),
    ({"min_severity": "urgent"}, "min_severity"),
    ({"digest": "weekly"}, "digest"),
    ({"channels": ["fax"]}, "channels"),
    ({"channels": ["sms"]}, "channels"),  # no SMS provider configured
    ({"channels": ["push"]}, "channels"),  # no VAPID key
    ({"domains": ["moon"]}, "domains"),
    ({"phone": "0151 1234"}, "phone"),
    ({"enabled": "yes"}, "enabled"),
    ({"channels": ["chat"]}, "chat_url"),
    ({"chat_url": "http://169.254.169.254/latest"}, "chat_url"),
    ({"chat_url": "http://10.1.2.3/hook"}, "chat_url"),
    ({"chat_url": "ftp://example.com/x"}, "chat_url"),
])
def test_bad_preferences_are_a_400_naming_the_field(client, person, body, field):
    auth, _ = person
    response = client.put(PREFS, headers=auth, json=body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["details"]["field"] == field


def test_sms_needs_a_phone_number(app, client, person):
    app.config.update(SMS_API_URL="http://127.0.0.1:9/2010-04-01", SMS_ACCOUNT_SID="AC1",
                      SMS_AUTH_TOKEN="t", SMS_FROM="+15550001111")
    auth, _ = person
    response = client.put(PREFS, headers=auth, json={"channels": ["sms"]})
    assert response.get_json()["error"]["details"]["field"] == "phone"
    assert client.put(PREFS, headers=auth, json={"channels": ["sms"], "phone": "+4915112345678"}
                      ).status_code == 200


def test_service_accounts_have_no_preferences(client, admin_headers):
    account = client.post("/api/service-accounts", headers=admin_headers,
                          json={"name": "bot", "role": "operator"}).get_json()
    assert client.get(PREFS, headers={"X-API-Key": account["token"]}).status_code in (401, 403)
    assert client.get(PREFS).status_code == 401


def test_alarms_reach_people_by_severity_and_domain(app, dispatcher, chat_person, deliveries,
                                                    receiver):
    _, user_id = chat_person
    noon = utc(2026, 12, 4, 11, 0)
    enqueue(app, dispatcher, "created", make_alarm(id=1, severity="minor"), noon)
    enqueue(app, dispatcher, "created", make_alarm(id=2, domain="traffic"), noon)
    enqueue(app, dispatcher, "acked", make_alarm(id=3), noon)
    assert deliveries() == []
    enqueue(app, dispatcher, "created", make_alarm(id=4), noon)
    enqueue(app, dispatcher, "updated", make_alarm(id=4, count=5), noon)  # a repeat
    enqueue(app, dispatcher, "updated", make_alarm(id=4, severity="critical"), noon)
    enqueue(app, dispatcher, "updated", make_alarm(id=4, severity="critical", count=9), noon)
    rows = deliveries()
    assert [(r.channel, r.action, r.user_id, r.target) for r in rows] == [
        ("chat", "created", user_id, receiver.url), ("chat", "updated", user_id, receiver.url)]
    assert dispatcher.run_due(noon)["delivered"] == 2
    texts = [orjson.loads(r["body"])["text"] for r in receiver.requests]
    assert texts[0].startswith("*smartcity*: Alarm raised: MAJOR pm25_high on device aq-1")
    assert texts[1].startswith("*smartcity*: Alarm now CRITICAL pm25_high on device aq-1")


def test_an_alarm_that_escalates_past_the_minimum_is_told_once(app, dispatcher, chat_person,
                                                               deliveries):
    noon = utc(2026, 12, 4, 11, 0)
    enqueue(app, dispatcher, "created", make_alarm(id=5, severity="minor"), noon)
    enqueue(app, dispatcher, "updated", make_alarm(id=5, severity="major"), noon)
    enqueue(app, dispatcher, "updated", make_alarm(id=5, severity="major", count=7), noon)
    assert [r.action for r in deliveries()] == ["updated"]


def test_rule_webhooks_and_people_are_told_side_by_side(app, dispatcher, chat_person,
                                                        deliveries, receiver):
    rule = make_rule(webhook_url=receiver.url)
    enqueue(app, dispatcher, "created", make_alarm(id=6), utc(2026, 12, 4, 11), rule)
    enqueue(app, dispatcher, "updated", make_alarm(id=6, count=2), utc(2026, 12, 4, 11), rule)
    assert sorted((r.channel, r.user_id is None) for r in deliveries()) == [
        ("chat", False), ("webhook", True)]


def test_quiet_hours_hold_alarms_until_morning_then_send_one_digest(app, client, dispatcher,
                                                                     chat_person, deliveries,
                                                                     receiver):
    auth, user_id = chat_person
    client.put(PREFS, headers=auth, json={"quiet_start": "22:00", "quiet_end": "07:00"})
    night = utc(2026, 12, 4, 23, 30)  # 00:30 in Berlin
    enqueue(app, dispatcher, "created", make_alarm(id=7), night)
    enqueue(app, dispatcher, "created", make_alarm(id=8, originator_id="aq-2",
                                                   severity="critical"), night + 60_000)
    assert deliveries() == []
    assert client.get(PREFS, headers=auth).get_json()["held"] == 2
    with app.app_context():
        assert people.send_digests(app, utc(2026, 12, 5, 5, 59))["held"] == 2  # 06:59 CET
        assert people.send_digests(app, utc(2026, 12, 5, 6, 0)) == {
            "digests": 1, "deliveries": 1, "held": 0}
        assert people.send_digests(app, utc(2026, 12, 5, 6, 1))["digests"] == 0
    [row] = deliveries()
    assert (row.channel, row.action, row.user_id, row.alarm_id) == ("chat", "digest", user_id,
                                                                    None)
    assert row.payload["count"] == 2
    assert [a["id"] for a in row.payload["alarms"]] == [8, 7]  # most severe first
    dispatcher.run_due(utc(2026, 12, 5, 6, 0))
    text = orjson.loads(receiver.requests[0]["body"])["text"]
    assert text.splitlines() == ["*smartcity*: Immediate digest: 2 alarms",
                                 "• CRITICAL pm25_high on device aq-2 (value 61.5)",
                                 "• MAJOR pm25_high on device aq-1 (value 61.5)"]
    assert client.get(PREFS, headers=auth).get_json()["held"] == 0


def test_an_hourly_digest_collects_the_hour_and_a_repeat_is_not_held_again(
        app, client, dispatcher, chat_person, deliveries):
    auth, _ = chat_person
    client.put(PREFS, headers=auth, json={"digest": "hourly", "chat_style": "teams"})
    t = utc(2026, 12, 4, 10, 5)  # 11:05 CET
    enqueue(app, dispatcher, "created", make_alarm(id=9), t)
    enqueue(app, dispatcher, "created", make_alarm(id=10, originator_id="aq-3"), t + 600_000)
    with app.app_context():
        assert people.send_digests(app, utc(2026, 12, 4, 10, 59))["digests"] == 0
        assert people.send_digests(app, utc(2026, 12, 4, 11, 0))["digests"] == 1
    enqueue(app, dispatcher, "updated", make_alarm(id=9, count=4), utc(2026, 12, 4, 11, 10))
    with app.app_context():
        assert people.send_digests(app, utc(2026, 12, 4, 12, 0))["digests"] == 0
    [row] = deliveries()
    assert row.payload["digest"] == "hourly" and row.payload["chat_style"] == "teams"


def test_opting_out_drops_what_was_held(app, client, dispatcher, chat_person):
    auth, _ = chat_person
    client.put(PREFS, headers=auth, json={"digest": "daily"})
    enqueue(app, dispatcher, "created", make_alarm(id=11), utc(2026, 12, 4, 10))
    client.put(PREFS, headers=auth, json={"enabled": False})
    with app.app_context():
        assert people.send_digests(app, utc(2026, 12, 6, 10)) == {"digests": 0,
                                                                  "deliveries": 0, "held": 0}
    assert client.get(PREFS, headers=auth).get_json()["held"] == 0


def test_email_digest_reaches_the_mailbox(app, client, dispatcher, person, smtp, deliveries):
    auth, _ = person
    assert client.put(PREFS, headers=auth, json={"channels": ["email"], "digest": "daily",
                                                 "daily_at": "08:00"}).status_code == 200
    enqueue(app, dispatcher, "created", make_alarm(id=12), utc(2026, 12, 4, 10))
    with app.app_context():
        assert people.send_digests(app, utc(2026, 12, 5, 8))["deliveries"] == 1
    assert dispatcher.run_due(utc(2026, 12, 5, 8))["delivered"] == 1
    [mail] = smtp.messages
    assert b"Subject: [smartcity] Daily digest: 1 alarm" in mail["content"]
    assert b"- MAJOR pm25_high on device aq-1 (value 61.5)" in mail["content"]
