"""From a reading over a rule's threshold to a signed webhook and an e-mail, through the API."""

import orjson
import pytest

from smartcity.notifications.webhook import verify_signature
from smartcity.telemetry.pipeline import get_pipeline
from smartcity.timeutil import now_ms

SECRET = "e2e-secret-0123456789"


@pytest.fixture
def reading(app, client, make_device):
    """Post one reading as the device (X-API-Key), then wait for the after-commit hooks."""
    device = make_device("aq-e2e", type="air_quality_station")

    def post(values):
        response = client.post("/api/telemetry", headers={"X-API-Key": device["api_key"]},
                               json={"ts": now_ms(), "values": values})
        assert response.status_code == 201, response.get_json()
        with app.app_context():  # runs after the hooks of the request's batch
            get_pipeline().call(lambda _conn: None)

    return post


def signed_event(request) -> dict:
    headers = request["headers"]
    assert verify_signature(SECRET, headers["x-smartcity-timestamp"], request["body"],
                            headers["x-smartcity-signature"])
    return orjson.loads(request["body"])


def test_reading_over_threshold_reaches_the_webhook_and_mailbox(
        client, admin_headers, receiver, smtp, reading, dispatcher):
    rule = client.post("/api/alert-rules", headers=admin_headers, json={
        "name": "PM2.5 too high", "kind": "threshold", "scope": {"device_id": "aq-e2e"},
        "key": "pm25", "operator": ">", "value": 50, "severity": "critical",
        "notify": {"webhook_url": receiver.url, "webhook_secret": SECRET,
                   "email_to": ["ops@city.test"]}})
    assert rule.status_code == 201, rule.get_json()

    reading({"pm25": 20})
    reading({"pm25": 80})
    assert dispatcher.run_due(now_ms())["delivered"] == 2

    [request] = receiver.requests
    event = signed_event(request)
    assert request["headers"]["x-smartcity-event"] == "alarm.created"
    assert event["rule"] == {"id": rule.get_json()["id"], "name": "PM2.5 too high"}
    alarm = event["alarm"]
    assert (alarm["originator_id"], alarm["severity"], alarm["value"]) == ("aq-e2e",
                                                                          "critical", 80)
    [mail] = smtp.messages
    assert mail["rcpt_tos"] == ["ops@city.test"]
    assert b"Subject: [smartcity] CRITICAL pm2_5_too_high on device aq-e2e (created)" in (
        mail["content"])

    reading({"pm25": 90})  # a repeat at the same severity notifies nobody
    assert client.post(f"/api/alerts/{alarm['id']}/ack", headers=admin_headers).status_code \
        == 200
    reading({"pm25": 10})  # back to normal: the engine clears the alarm
    dispatcher.run_due(now_ms())
    events = [signed_event(r)["event"] for r in receiver.requests]
    assert events == ["alarm.created", "alarm.acked", "alarm.cleared"]
    assert len(smtp.messages) == 3

    log = client.get(f"/api/notifications/log?alarm_id={alarm['id']}&channel=webhook",
                     headers=admin_headers).get_json()["items"]
    assert [(d["action"], d["status"], d["attempts"]) for d in log] == [
        ("cleared", "delivered", 1), ("acked", "delivered", 1), ("created", "delivered", 1)]
