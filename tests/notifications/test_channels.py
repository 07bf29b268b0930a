"""SMS, Web Push and chat channels against local fake providers (real HTTP servers in the test):
what each provider receives, retries on 5xx, and the delivery log."""

import base64
import os
from urllib.parse import parse_qs

import http_ece
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from smartcity.notifications import push
from smartcity.timeutil import now_ms
from tests.notifications.conftest import make_alarm

PREFS = "/api/users/me/notifications"
SUBS = "/api/users/me/push-subscriptions"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def person(login):
    body = login("operator")
    return {"Authorization": f"Bearer {body['access_token']}"}, body["user"]["id"]


def alarm_for_everyone(app, dispatcher, **fields):
    with app.app_context():
        return dispatcher.enqueue("created", make_alarm(**fields), None)


# -- SMS: a Twilio-compatible provider ---------------------------------------------------------

@pytest.fixture
def sms_provider(app, receiver):
    base = receiver.url.removesuffix("/hook") + "/2010-04-01"
    app.config.update(SMS_API_URL=base, SMS_ACCOUNT_SID="AC0123456789abcdef",
                      SMS_AUTH_TOKEN="sms-token-42", SMS_FROM="+15005550006")
    return receiver


def test_sms_is_a_form_post_to_messages_json_with_basic_auth_retried_on_5xx(
        app, client, person, sms_provider, dispatcher, deliveries):
    auth, user_id = person
    assert client.put(PREFS, headers=auth, json={"channels": ["sms"], "phone": "+4915112345678"}
                      ).status_code == 200
    sms_provider.answer(503, 201)
    alarm_for_everyone(app, dispatcher, severity="critical")
    t0 = now_ms()
    assert dispatcher.run_due(t0)["retrying"] == 1
    [row] = deliveries()
    assert (row.channel, row.target, row.status, row.last_status_code, row.user_id) == (
        "sms", "+4915112345678", "pending", 503, user_id)
    assert dispatcher.run_due(row.next_attempt_at)["delivered"] == 1
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 2, 201)

    first, second = sms_provider.requests
    assert first["body"] == second["body"]
    assert second["path"] == "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
    headers = second["headers"]
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["authorization"] == "Basic " + base64.b64encode(
        b"AC0123456789abcdef:sms-token-42").decode()
    form = parse_qs(second["body"].decode())
    assert form["To"] == ["+4915112345678"] and form["From"] == ["+15005550006"]
    assert form["Body"][0].splitlines() == [
        "[smartcity] Alarm raised: CRITICAL pm25_high on device aq-1 (value 61.5)",
        "Domain: environment"]


def test_an_sms_the_provider_refuses_fails_without_retry(app, client, person, sms_provider,
                                                         dispatcher, deliveries):
    auth, _ = person
    client.put(PREFS, headers=auth, json={"channels": ["sms"], "phone": "+4915112345678"})
    sms_provider.answer(400)  # Twilio: 21211 invalid 'To' number
    alarm_for_everyone(app, dispatcher)
    assert dispatcher.run_due(now_ms())["failed"] == 1
    assert deliveries()[0].last_error.startswith("HTTP 400")


def test_the_sms_provider_passes_the_egress_guard(app, client, person, sms_provider, dispatcher,
                                                  deliveries):
    auth, _ = person
    client.put(PREFS, headers=auth, json={"channels": ["sms"], "phone": "+4915112345678"})
    app.config["WEBHOOK_ALLOWED_TARGETS"] = []  # 127.0.0.1 is no longer allowed
    alarm_for_everyone(app, dispatcher)
    assert dispatcher.run_due(now_ms())["failed"] == 1
    assert deliveries()[0].last_error.startswith("refused: 127.0.0.1 connected to 127.0.0.1")
    assert sms_provider.requests == []


# -- chat: Slack- and Teams-style incoming webhooks -------------------------------------------

@pytest.mark.parametrize("style", ["slack", "teams"])
def test_chat_webhooks_get_their_style_and_are_retried(app, client, person, receiver,
                                                       dispatcher, deliveries, style):
    auth, _ = person
    assert client.put(PREFS, headers=auth, json={
        "channels": ["chat"], "chat_url": receiver.url, "chat_style": style}).status_code == 200
    receiver.answer(500)
    alarm_for_everyone(app, dispatcher, severity="critical")
    assert dispatcher.run_due(now_ms())["retrying"] == 1
    assert dispatcher.run_due(deliveries()[0].next_attempt_at)["delivered"] == 1
    body = orjson.loads(receiver.requests[-1]["body"])
    assert receiver.requests[-1]["headers"]["content-type"] == "application/json"
    if style == "slack":
        assert body == {"text": "*smartcity*: Alarm raised: CRITICAL pm25_high on device aq-1 "
                                "(value 61.5)\n• Domain: environment"}
    else:
        assert body == {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                        "summary": "Alarm raised: CRITICAL pm25_high on device aq-1 (value 61.5)",
                        "themeColor": "D13438",
                        "title": "smartcity: Alarm raised: CRITICAL pm25_high on device aq-1 "
                                 "(value 61.5)",
                        "text": "Domain: environment"}


# -- Web Push: VAPID-signed, aes128gcm-encrypted, to the subscription's endpoint ----------------

class Browser:
    """The keys a browser makes when it subscribes (RFC 8291): a P-256 pair and an auth secret."""

    def __init__(self, endpoint: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
        self.subscription = {"endpoint": endpoint, "expirationTime": None,
                             "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        return orjson.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth,
                                             version="aes128gcm"))


@pytest.fixture
def vapid(app):
    key = push.new_private_key()
    app.config.update(VAPID_PRIVATE_KEY=key, VAPID_SUBJECT="mailto:ops@city.test")
    return push.public_key(app.config)


def test_push_is_encrypted_for_the_browser_and_signed_with_vapid(app, client, person, receiver,
                                                                 vapid, dispatcher, deliveries):
    auth, user_id = person
    browser = Browser(receiver.url.replace("/hook", "/push/abc123"))
    prefs = client.get(PREFS, headers=auth).get_json()
    assert prefs["vapid_public_key"] == vapid and prefs["channels_available"]["push"]
    added = client.post(SUBS, headers={**auth, "User-Agent": "Firefox/140"},
                        json=browser.subscription)
    assert added.status_code == 201, added.get_json()
    assert client.put(PREFS, headers=auth, json={"channels": ["push"]}).status_code == 200
    receiver.answer(502, 201)

    alarm_for_everyone(app, dispatcher, severity="critical")
    assert dispatcher.run_due(now_ms())["retrying"] == 1
    assert dispatcher.run_due(deliveries()[0].next_attempt_at)["delivered"] == 1
    [row] = deliveries()
    assert (row.channel, row.target, row.user_id, row.attempts) == (
        "push", browser.subscription["endpoint"], user_id, 2)

    request = receiver.requests[-1]
    assert request["path"] == "/push/abc123"
    headers = request["headers"]
    assert headers["content-encoding"] == "aes128gcm" and headers["urgency"] == "high"
    assert int(headers["ttl"]) == app.config["PUSH_TTL_S"]
    scheme, _, params = headers["authorization"].partition(" ")
    fields = dict(p.split("=", 1) for p in params.split(","))
    assert scheme == "vapid" and fields["k"] == vapid
    point = base64.urlsafe_b64decode(vapid + "=" * (-len(vapid) % 4))
    server_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    claims = jwt.decode(fields["t"], server_key, algorithms=["ES256"],
                        audience=receiver.url.removesuffix("/hook"))
    assert claims["sub"] == "mailto:ops@city.test"
    assert browser.decrypt(request["body"]) == {
        "title": "smartcity: Alarm raised: CRITICAL pm25_high on device aq-1 (value 61.5)",
        "body": "Domain: environment", "url": "/alerts?alarm=7", "tag": "alarm-7"}


def test_a_gone_push_subscription_is_removed(app, client, person, receiver, vapid, dispatcher,
                                             deliveries):
    auth, _ = person
    client.post(SUBS, headers=auth, json=Browser(receiver.url).subscription)
    client.put(PREFS, headers=auth, json={"channels": ["push"]})
    receiver.answer(410)
    alarm_for_everyone(app, dispatcher)
    assert dispatcher.run_due(now_ms())["failed"] == 1
    assert deliveries()[0].last_error.startswith("subscription gone (HTTP 410")
    assert client.get(SUBS, headers=auth).get_json()["items"] == []


def test_push_subscriptions_are_listed_moved_and_deleted_per_user(client, person, login,
                                                                  receiver):
    auth, _ = person
    browser = Browser(receiver.url)
    assert client.post(SUBS, headers=auth, json=browser.subscription).status_code == 201
    assert client.post(SUBS, headers=auth, json=browser.subscription).status_code == 201
    assert len(client.get(SUBS, headers=auth).get_json()["items"]) == 1
    other = {"Authorization": f"Bearer {login('viewer')['access_token']}"}
    gone = {"endpoint": browser.subscription["endpoint"]}
    assert client.delete(SUBS, headers=other, json=gone).status_code == 404
    assert client.post(SUBS, headers=other, json=browser.subscription).status_code == 201
    assert client.get(SUBS, headers=auth).get_json()["items"] == []  # the browser moved
    assert client.delete(SUBS, headers=other, json=gone).status_code == 204
    assert client.delete(SUBS, headers=other, json=gone).status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys"),
    ({"keys": {"auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys"),
    ({"endpoint": "http://169.254.169.254/push"}, "endpoint"),
    ({"endpoint": "javascript:alert(1)"}, "endpoint"),
    ({"expirationTime": "soon"}, "expirationTime"),
])
def test_bad_push_subscriptions_are_a_400_naming_the_field(client, person, receiver, change,
                                                           field):
    auth, _ = person
    response = client.post(SUBS, headers=auth, json=Browser(receiver.url).subscription | change)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field
