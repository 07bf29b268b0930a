import pytest

from smartcity.timeutil import now_ms
from tests.notifications.conftest import make_alarm, make_rule

LOG = "/api/notifications/log"


@pytest.fixture
def log_rows(smtp, receiver, notify, dispatcher):
    """1 failed webhook (alarm 7); 2 delivered webhook, 3 delivered e-mail, 4 pending webhook
    (alarm 8)."""
    receiver.answer(400)
    notify("created", make_alarm(id=7), make_rule(webhook_url=receiver.url,
                                                  webhook_secret="do-not-leak"))
    dispatcher.run_due(now_ms())
    notify("created", make_alarm(id=8), make_rule(webhook_url=receiver.url,
                                                  email_to=["ops@city.test"]))
    dispatcher.run_due(now_ms())
    notify("cleared", make_alarm(id=8), make_rule(webhook_url=receiver.url))


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_log_and_retry_return_403_below_admin(client, headers, role):
    auth = headers(role)
    assert client.get(LOG, headers=auth).status_code == 403
    assert client.post(f"{LOG}/1/retry", headers=auth).status_code == 403


def test_log_lists_newest_first_with_status_and_attempts(client, admin_headers, log_rows):
    response = client.get(LOG, headers=admin_headers)
    assert ids(response) == [4, 3, 2, 1]
    items = {item["id"]: item for item in response.get_json()["items"]}
    assert items[1] | {"payload": None, "created_at": None, "last_attempt_at": None} == {
        "id": 1, "alarm_id": 7, "rule_id": 3, "user_id": None, "channel": "webhook",
        "target": items[1]["target"], "action": "created", "event": "alarm.created",
        "status": "failed", "attempts": 1, "last_error": "HTTP 400: thanks!",
        "last_status_code": 400, "payload": None, "created_at": None,
        "next_attempt_at": None, "last_attempt_at": None, "delivered_at": None}
    assert items[3]["channel"] == "email" and items[3]["status"] == "delivered"
    assert items[3]["delivered_at"].endswith("Z")
    assert items[4]["status"] == "pending" and items[4]["next_attempt_at"].endswith("Z")
    assert items[2]["payload"]["alarm"]["id"] == 8


def test_log_never_shows_webhook_secrets(client, admin_headers, log_rows):
    response = client.get(LOG, headers=admin_headers)
    assert "do-not-leak" not in response.get_data(as_text=True)
    assert all("secret" not in item for item in response.get_json()["items"])


@pytest.mark.parametrize(("query", "expected"), [
    ("status=failed", [1]),
    ("status=delivered", [3, 2]),
    ("channel=email", [3]),
    ("alarm_id=8", [4, 3, 2]),
    ("status=pending&channel=webhook", [4]),
    ("rule_id=3&alarm_id=7", [1]),
])
def test_log_filters(client, admin_headers, log_rows, query, expected):
    assert ids(client.get(f"{LOG}?{query}", headers=admin_headers)) == expected


def test_log_rejects_unknown_filter_values(client, admin_headers):
    response = client.get(f"{LOG}?status=lost", headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "status"
    assert client.get(f"{LOG}?channel=fax", headers=admin_headers).status_code == 400
    assert client.get(f"{LOG}?alarm_id=x", headers=admin_headers).status_code == 400


def test_log_pages_with_cursors(client, admin_headers, log_rows):
    first = client.get(f"{LOG}?limit=3", headers=admin_headers).get_json()
    assert [i["id"] for i in first["items"]] == [4, 3, 2] and first["next_cursor"]
    second = client.get(f"{LOG}?limit=3&cursor={first['next_cursor']}",
                        headers=admin_headers).get_json()
    assert [i["id"] for i in second["items"]] == [1] and second["next_cursor"] is None


def test_retry_requeues_a_failed_delivery_which_is_then_delivered(
        client, admin_headers, log_rows, receiver, dispatcher, deliveries):
    response = client.post(f"{LOG}/1/retry", headers=admin_headers)
    assert response.status_code == 202
    body = response.get_json()
    assert (body["status"], body["attempts"], body["id"]) == ("pending", 0, 1)

    before = len(receiver.requests)
    dispatcher.run_due(now_ms())
    assert len(receiver.requests) == before + 2  # the retried one and the pending cleared one
    assert deliveries()[0].status == "delivered"
    audit = client.get("/api/audit?action=notification.retried",
                       headers=admin_headers).get_json()["items"]
    assert audit[0]["target_id"] == "1" and audit[0]["details"]["previous_attempts"] == 1


def test_retry_refuses_deliveries_that_have_not_failed(client, admin_headers, log_rows):
    response = client.post(f"{LOG}/2/retry", headers=admin_headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    assert client.post(f"{LOG}/999/retry", headers=admin_headers).status_code == 404


def test_detailed_health_counts_pending_and_failed_deliveries(client, log_rows):
    service = client.get("/api/health?detailed=1").get_json()["services"]["notifications"]
    assert service["status"] == "ok"
    assert (service["pending"], service["failed"], service["delivered"]) == (1, 1, 2)


def test_metrics_expose_delivery_counts(client, log_rows):
    text = client.get("/metrics").get_data(as_text=True)
    assert 'smartcity_notification_deliveries{channel="webhook",status="failed"} 1.0' in text
    assert 'smartcity_notification_deliveries{channel="email",status="delivered"} 1.0' in text
    assert "smartcity_notification_delivered_total 2.0" in text
