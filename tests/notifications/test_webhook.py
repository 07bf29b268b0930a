import time

import orjson

from smartcity.notifications.dispatcher import backoff_ms
from smartcity.notifications.webhook import sign, verify_signature
from smartcity.timeutil import now_ms
from tests.broker import free_port
from tests.notifications.conftest import make_alarm, make_rule

SECRET = "whsec-0123456789"


def test_receiver_verifies_the_signature_of_a_delivered_webhook(receiver, notify, dispatcher,
                                                                deliveries):
    notify("created", rule=make_rule(webhook_url=receiver.url, webhook_secret=SECRET))
    assert dispatcher.run_due(now_ms()) == {"delivered": 1, "retrying": 0, "failed": 0}

    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hook"
    assert headers["content-type"] == "application/json"
    assert headers["x-smartcity-event"] == "alarm.created"
    assert headers["x-smartcity-delivery"] == str(deliveries()[0].id)
    assert headers["x-smartcity-signature"].startswith("sha256=")
    assert abs(int(headers["x-smartcity-timestamp"]) - time.time()) < 60
    assert verify_signature(SECRET, headers["x-smartcity-timestamp"], body,
                            headers["x-smartcity-signature"])
    event = orjson.loads(body)
    assert event["event"] == "alarm.created"
    assert event["alarm"]["id"] == 7 and event["alarm"]["severity"] == "major"
    assert event["rule"] == {"id": 3, "name": "PM2.5 above 50"}
    assert event["sent_at"].endswith("Z")


def test_signature_check_rejects_wrong_secret_tampered_body_and_stale_timestamp():
    body, ts = b'{"event":"alarm.created"}', str(int(time.time()))
    good = sign(SECRET, ts, body)
    assert verify_signature(SECRET, ts, body, good)
    assert not verify_signature("other-secret", ts, body, good)
    assert not verify_signature(SECRET, ts, body + b" ", good)
    assert not verify_signature(SECRET, ts, body, good.replace("sha256=", ""))
    old = str(int(time.time()) - 3600)
    assert not verify_signature(SECRET, old, body, sign(SECRET, old, body))
    assert not verify_signature(SECRET, "not-a-number", body, good)


def test_webhook_without_a_secret_is_sent_unsigned(receiver, notify, dispatcher):
    notify("created", rule=make_rule(webhook_url=receiver.url))
    dispatcher.run_due(now_ms())
    [request] = receiver.requests
    assert "x-smartcity-signature" not in request["headers"]
    assert "x-smartcity-timestamp" in request["headers"]


def test_server_errors_are_retried_with_backoff_until_delivered(receiver, notify, dispatcher,
                                                                deliveries):
    receiver.answer(500, 500)
    notify("created", rule=make_rule(webhook_url=receiver.url, webhook_secret=SECRET))
    t0 = now_ms()

    assert dispatcher.run_due(t0)["retrying"] == 1
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
    assert t0 + 1000 <= row.next_attempt_at <= t0 + 2000  # base 2 s with 50-100 % jitter
    assert "HTTP 500" in row.last_error

    assert dispatcher.run_due(row.next_attempt_at - 1) == {"delivered": 0, "retrying": 0,
                                                           "failed": 0}
    t1 = row.next_attempt_at
    assert dispatcher.run_due(t1)["retrying"] == 1
    [row] = deliveries()
    assert row.attempts == 2 and t1 + 2000 <= row.next_attempt_at <= t1 + 4000

    assert dispatcher.run_due(row.next_attempt_at)["delivered"] == 1
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)
    assert row.next_attempt_at is None and row.delivered_at is not None
    assert len(receiver.requests) == 3
    assert {r["headers"]["x-smartcity-delivery"] for r in receiver.requests} == {str(row.id)}
    for request in receiver.requests:
        h = request["headers"]
        assert verify_signature(SECRET, h["x-smartcity-timestamp"], request["body"],
                                h["x-smartcity-signature"])


def test_client_errors_fail_without_retry(receiver, notify, dispatcher, deliveries):
    receiver.answer(400)
    notify("created", rule=make_rule(webhook_url=receiver.url))
    assert dispatcher.run_due(now_ms())["failed"] == 1
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 1, 400)
    assert row.next_attempt_at is None and "HTTP 400" in row.last_error
    dispatcher.run_due(now_ms() + 86_400_000)
    assert len(receiver.requests) == 1


def test_refused_connections_are_retried_until_attempts_run_out(app, notify, dispatcher,
                                                                 deliveries):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    notify("created", rule=make_rule(webhook_url=f"http://127.0.0.1:{free_port()}/hook"))
    now = now_ms()
    for expected in ("pending", "pending", "failed"):
        dispatcher.run_due(now)
        [row] = deliveries()
        assert row.status == expected
        assert "ConnectionError" in row.last_error and row.last_status_code is None
        now = (row.next_attempt_at or now) + 1
    assert row.attempts == 3 and row.next_attempt_at is None


def test_timeouts_are_retried(app, receiver, notify, dispatcher, deliveries):
    app.config["NOTIFY_TIMEOUT_S"] = 0.3
    receiver.answer(200, delay=1.0)
    notify("created", rule=make_rule(webhook_url=receiver.url))
    assert dispatcher.run_due(now_ms())["retrying"] == 1
    [row] = deliveries()
    assert "Timeout" in row.last_error
    assert dispatcher.run_due(row.next_attempt_at)["delivered"] == 1


def test_rate_limited_delivery_waits_for_retry_after(receiver, notify, dispatcher, deliveries):
    receiver.answer(429, headers={"Retry-After": "120"})
    notify("created", rule=make_rule(webhook_url=receiver.url))
    t0 = now_ms()
    dispatcher.run_due(t0)
    [row] = deliveries()
    assert row.status == "pending" and row.next_attempt_at >= t0 + 120_000


def test_a_claimed_delivery_is_not_sent_twice_but_is_resent_when_its_sender_died(
        receiver, notify, dispatcher, deliveries):
    notify("created", rule=make_rule(webhook_url=receiver.url))
    t0 = now_ms()
    [row] = deliveries()
    assert dispatcher._claim(row.id, t0) is not None  # another process took it, then crashed
    assert dispatcher.run_due(t0) == {"delivered": 0, "retrying": 0, "failed": 0}
    assert receiver.requests == []
    assert dispatcher.run_due(t0 + dispatcher._lease_ms())["delivered"] == 1
    assert deliveries()[0].attempts == 2


def test_rules_without_notify_settings_and_alarms_without_rules_send_nothing(notify,
                                                                             deliveries):
    notify("created", rule=None)
    notify("created", rule={"id": 1, "name": "quiet", "severity": "minor"})
    notify("created", rule={"id": 1, "name": "quiet", "severity": "minor", "notify": None})
    notify("created", rule=make_rule(webhook_url=None, email_to=[]))
    assert deliveries() == []


def test_updates_notify_only_when_the_severity_changed(receiver, notify, deliveries):
    rule = make_rule(webhook_url=receiver.url)
    notify("updated", make_alarm(), rule)  # nothing notified about this alarm before
    notify("created", make_alarm(), rule)
    notify("updated", make_alarm(count=4), rule)
    notify("updated", make_alarm(severity="critical"), rule)
    notify("acked", make_alarm(severity="critical", status="active_ack"), rule)
    notify("cleared", make_alarm(severity="critical", status="cleared_ack"), rule)
    assert [d.action for d in deliveries()] == ["created", "updated", "acked", "cleared"]
    assert [d.payload["event"] for d in deliveries()][1] == "alarm.updated"


def test_the_scheduler_job_sends_due_retries(app, receiver, notify, deliveries):
    from smartcity.jobs.scheduler import get_scheduler

    notify("created", rule=make_rule(webhook_url=receiver.url))
    with app.app_context():
        assert "notification_retries" in get_scheduler(app).run_due(now_ms() + 1000)
    assert deliveries()[0].status == "delivered"


def test_the_worker_thread_delivers_on_its_own(make_app, receiver):
    from smartcity.notifications.dispatcher import get_dispatcher

    app = make_app(NOTIFY_WORKER=True, NOTIFY_BACKOFF_BASE_S=0.05)
    dispatcher = get_dispatcher(app)
    receiver.answer(503)
    try:
        with app.app_context():
            dispatcher.on_alarm("created", make_alarm(),
                                make_rule(webhook_url=receiver.url))
        assert len(receiver.wait_for(2)) == 2
        deadline = time.monotonic() + 5
        while dispatcher.stats["delivered"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert dispatcher.stats["delivered"] == 1 and dispatcher.stats["retried"] == 1
    finally:
        dispatcher.stop()
    assert not dispatcher.alive()


def test_backoff_doubles_with_jitter_and_is_capped():
    assert backoff_ms(1, 2, 3600, rand=lambda: 0.0) == 1000
    assert backoff_ms(1, 2, 3600, rand=lambda: 1.0) == 2000
    assert backoff_ms(3, 2, 3600, rand=lambda: 1.0) == 8000
    assert backoff_ms(30, 2, 3600, rand=lambda: 1.0) == 3_600_000
