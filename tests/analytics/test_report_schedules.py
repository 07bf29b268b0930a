"""Report subscriptions: CRUD, when they run, and delivery by the scheduler's job through the
notifications to a real local webhook receiver and a real local SMTP server."""

import io
from datetime import UTC, datetime
from email import message_from_bytes, policy

import orjson
import pytest

from smartcity.analytics.reports.schedules import next_run
from smartcity.jobs.scheduler import get_scheduler
from smartcity.notifications.dispatcher import get_dispatcher
from smartcity.notifications.webhook import verify_signature
from smartcity.timeutil import now_ms

URL = "/api/analytics/report-schedules"


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(("cadence", "after", "expected"), [
    ("daily", "2026-12-04T05:59:59", "2026-12-04T06:00:00"),
    ("daily", "2026-12-04T06:00:00", "2026-12-05T06:00:00"),  # strictly after
    ("weekly", "2026-12-04T07:00:00", "2026-12-07T06:00:00"),  # a Friday -> next Monday
    ("weekly", "2026-12-07T05:00:00", "2026-12-07T06:00:00"),
    ("weekly", "2026-12-07T06:30:00", "2026-12-14T06:00:00"),
])
def test_next_run_is_the_next_slot_strictly_after(cadence, after, expected):
    assert next_run(cadence, 6, 0, ms(after)) == ms(expected)


@pytest.fixture
def operator(headers):
    return headers("operator")


def create(client, headers, **body):
    body = {"name": "Morning report", "cadence": "daily", "channel": "email",
            "target": "mayor@city.test", **body}
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def run_job(app, at: int) -> None:
    """The scheduler's job as its tick runs it, then the notification worker's pass."""
    with app.app_context():
        job = get_scheduler(app).jobs["report_schedules"]
        assert job.fn(app) == {"sent": 1}
        assert get_dispatcher(app).run_due(now_ms()) == {"delivered": 1, "retrying": 0,
                                                         "failed": 0}


def make_due(app, schedule_id: int) -> None:
    from smartcity.analytics.models import ReportSchedule
    from smartcity.extensions import db

    with app.app_context():
        db.session.get(ReportSchedule, schedule_id).next_run_ms = now_ms() - 1000
        db.session.commit()


def test_crud_keeps_the_secret_to_itself_and_is_audited(client, operator, viewer_headers,
                                                         admin_headers, receiver):
    made = create(client, operator, channel="webhook", target=receiver.url, secret="s3",
                  cadence="weekly", weekday=4, hour=7)
    assert made["period"] == "week" and made["has_secret"] and "secret" not in made
    assert made["next_run"].endswith("T07:00:00.000Z")
    assert datetime.fromisoformat(made["next_run"]).weekday() == 4
    listed = client.get(URL, headers=operator).get_json()["items"]
    assert [s["id"] for s in listed] == [made["id"]]
    changed = client.patch(f"{URL}/{made['id']}", json={"hour": 8, "format": "csv"},
                           headers=operator).get_json()
    assert changed["hour"] == 8 and changed["format"] == "csv" and changed["has_secret"]
    assert changed["next_run"].endswith("T08:00:00.000Z")
    assert client.get(URL, headers=viewer_headers).status_code == 403
    assert client.delete(f"{URL}/{made['id']}", headers=operator).status_code == 204
    assert client.get(f"{URL}/{made['id']}", headers=operator).status_code == 404
    audit = client.get("/api/audit", query_string={"target_type": "report_schedule"},
                       headers=admin_headers).get_json()["items"]
    assert sorted(e["action"] for e in audit) == [
        "report_schedule.created", "report_schedule.deleted", "report_schedule.updated"]


@pytest.mark.parametrize(("body", "field"), [
    ({"cadence": "hourly"}, "cadence"),
    ({"channel": "email", "target": "not-an-address"}, "target"),
    ({"channel": "webhook", "target": "ftp://example.org/x"}, "target"),
    ({"channel": "webhook", "target": "http://10.1.2.3/hook"}, "target"),  # egress policy
    ({"hour": 24}, "hour"),
    ({"format": "docx"}, "format"),
])
def test_a_bad_schedule_is_a_400_naming_the_field(client, operator, body, field):
    body = {"name": "r", "cadence": "daily", "channel": "email", "target": "a@b.test", **body}
    response = client.post(URL, json=body, headers=operator)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_a_due_schedule_reaches_the_webhook_signed_with_the_report(app, client, operator,
                                                                   receiver):
    made = create(client, operator, channel="webhook", target=receiver.url, secret="s3cret")
    make_due(app, made["id"])
    run_job(app, now_ms())
    (request,) = receiver.wait_for(1)
    headers = request["headers"]
    assert headers["x-smartcity-event"] == "report.daily"
    assert verify_signature("s3cret", headers["x-smartcity-timestamp"], request["body"],
                            headers["x-smartcity-signature"])
    body = orjson.loads(request["body"])
    assert body["schedule"] == {"id": made["id"], "name": "Morning report"}
    assert body["report"]["sections"] == ["kpis", "alarms", "incidents", "anomalies"]
    assert body["report"]["period"] == "day"
    after = client.get(f"{URL}/{made['id']}", headers=operator).get_json()
    assert after["last_delivery"]["status"] == "delivered"
    assert after["next_run"] > after["last_run"]
    # Run again at once: nothing is due until tomorrow's slot.
    with app.app_context():
        assert get_scheduler(app).jobs["report_schedules"].fn(app) == {"sent": 0}


def test_a_due_schedule_reaches_the_mailbox_with_the_pdf_attached(app, client, operator, smtp):
    pypdf = pytest.importorskip("pypdf")
    made = create(client, operator, cadence="weekly")
    make_due(app, made["id"])
    run_job(app, now_ms())
    (mail,) = smtp.wait_for(1)
    assert mail["rcpt_tos"] == ["mayor@city.test"]
    message = message_from_bytes(mail["content"], policy=policy.default)
    assert message["Subject"].startswith("[smartcity] City report, week")
    assert message["X-Smartcity-Event"] == "report.weekly"
    text = message.get_body(("plain",)).get_content()
    assert "Morning report: the city report of the week" in text and "Alarms raised" in text
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()
    assert data.startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    assert "Key performance indicators" in pages[0].extract_text()


def test_send_now_queues_a_csv_by_email(app, client, operator, smtp):
    made = create(client, operator, format="csv")
    sent = client.post(f"{URL}/{made['id']}/send", headers=operator)
    assert sent.status_code == 202
    with app.app_context():
        get_dispatcher(app).run_due(now_ms())
    (mail,) = smtp.wait_for(1)
    message = message_from_bytes(mail["content"], policy=policy.default)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_content().startswith("section,domain,item,value")
