from email import message_from_bytes, policy

from smartcity.timeutil import now_ms
from tests.broker import free_port
from tests.notifications.conftest import make_alarm, make_rule


def parse(message: dict):
    return message_from_bytes(message["content"], policy=policy.default)


def test_email_reaches_each_recipient_with_the_alarm_subject(smtp, notify, dispatcher,
                                                             deliveries):
    notify("created", rule=make_rule(email_to=["ops@city.test", "duty@city.test"]))
    assert dispatcher.run_due(now_ms())["delivered"] == 2

    assert sorted(m["rcpt_tos"][0] for m in smtp.messages) == ["duty@city.test",
                                                               "ops@city.test"]
    for message in smtp.messages:
        assert message["mail_from"] == "alerts@city.test"
        mail = parse(message)
        assert mail["Subject"] == "[smartcity] MAJOR pm25_high on device aq-1 (created)"
        assert mail["To"] == message["rcpt_tos"][0]
        assert mail.get_content_type() == "text/plain"
        text = mail.get_content()
        assert "Alarm pm25_high on device aq-1 was raised." in text
        assert "PM2.5 above 50" in text and "61.5" in text and "72.0" in text
    rows = deliveries()
    assert {(r.channel, r.status, r.attempts, r.last_status_code) for r in rows} == {
        ("email", "delivered", 1, 250)}
    assert {r.target for r in rows} == {"ops@city.test", "duty@city.test"}


def test_the_subject_names_the_action(smtp, notify, dispatcher):
    notify("cleared", make_alarm(severity="critical", originator_type="asset",
                                 originator_id="dma-3", type="night_flow"),
           make_rule(email_to=["ops@city.test"]))
    dispatcher.run_due(now_ms())
    mail = parse(smtp.messages[0])
    assert mail["Subject"] == "[smartcity] CRITICAL night_flow on asset dma-3 (cleared)"
    assert "was cleared." in mail.get_content()


def test_no_email_deliveries_without_smtp_host(app, notify, deliveries):
    assert not app.config["SMTP_HOST"]
    notify("created", rule=make_rule(email_to=["ops@city.test"]))
    assert deliveries() == []


def test_webhook_and_email_are_separate_deliveries(smtp, receiver, notify, dispatcher,
                                                   deliveries):
    notify("acked", rule=make_rule(webhook_url=receiver.url,
                                   email_to=["ops@city.test", "ops@city.test"]))
    assert dispatcher.run_due(now_ms())["delivered"] == 2
    assert sorted(d.channel for d in deliveries()) == ["email", "webhook"]
    assert len(smtp.messages) == 1 and len(receiver.requests) == 1


def test_refused_recipient_fails_without_retry(smtp, notify, dispatcher, deliveries):
    smtp.refuse["gone@city.test"] = "550 5.1.1 no such user"
    notify("created", rule=make_rule(email_to=["gone@city.test"]))
    assert dispatcher.run_due(now_ms())["failed"] == 1
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 1, 550)
    assert "no such user" in row.last_error


def test_temporary_smtp_refusal_is_retried(smtp, notify, dispatcher, deliveries):
    smtp.refuse["busy@city.test"] = "451 4.3.0 try again later"
    notify("created", rule=make_rule(email_to=["busy@city.test"]))
    assert dispatcher.run_due(now_ms())["retrying"] == 1
    [row] = deliveries()
    assert row.last_status_code == 451
    del smtp.refuse["busy@city.test"]
    assert dispatcher.run_due(row.next_attempt_at)["delivered"] == 1
    assert len(smtp.messages) == 1


def test_unreachable_smtp_server_is_retried(app, smtp, notify, dispatcher, deliveries):
    app.config["SMTP_PORT"] = free_port()
    notify("created", rule=make_rule(email_to=["ops@city.test"]))
    assert dispatcher.run_due(now_ms())["retrying"] == 1
    assert "ConnectionRefusedError" in deliveries()[0].last_error


def test_smtp_login_uses_the_configured_credentials(app, smtp, notify, dispatcher,
                                                    deliveries):
    app.config.update(SMTP_USER="mailer", SMTP_PASSWORD="s3cret")
    notify("created", rule=make_rule(email_to=["ops@city.test"]))
    assert dispatcher.run_due(now_ms())["delivered"] == 1
    assert smtp.logins == [(b"mailer", b"s3cret")]

    app.config["SMTP_PASSWORD"] = "wrong"
    notify("cleared", rule=make_rule(email_to=["ops@city.test"]))
    assert dispatcher.run_due(now_ms())["failed"] == 1  # bad credentials: fix the settings
    assert deliveries()[-1].last_status_code == 535


def test_an_address_with_a_line_break_fails_instead_of_injecting_headers(smtp, notify,
                                                                         dispatcher,
                                                                         deliveries):
    notify("created", rule=make_rule(email_to=["ops@city.test\nBcc: spy@evil.test"]))
    dispatcher.run_due(now_ms())
    [row] = deliveries()
    assert row.status == "failed" and smtp.messages == []
