"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291), by
pywebpush. The server signs with VAPID_PRIVATE_KEY; browsers subscribe with the matching public
key (`public_key`) and hand us their PushSubscription (endpoint, keys.p256dh, keys.auth), which
the dashboard posts to /api/users/me/push-subscriptions. One POST to the endpoint per attempt;
201 is sent, 429/5xx retried, 404/410 mean the subscription is gone (the dispatcher deletes it).
The endpoint host passes the egress guard like every outbound target."""

import base64
import functools

import orjson
import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from smartcity.notifications import text, webhook
from smartcity.security.egress import EgressRefused, Policy

GONE = (404, 410)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@functools.lru_cache(maxsize=4)
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_string(private_key=private_key)


def vapid(config) -> Vapid | None:
    """The server's VAPID key, None when VAPID_PRIVATE_KEY is unset (no push then)."""
    key = config.get("VAPID_PRIVATE_KEY")
    return _vapid(key.strip()) if key else None


def public_key(config) -> str | None:
    """The applicationServerKey browsers subscribe with: base64url of the uncompressed point."""
    key = vapid(config)
    if key is None:
        return None
    return b64url(key.public_key.public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint))


def new_private_key() -> str:
    """A fresh VAPID private key, base64url of the raw 32-byte P-256 scalar."""
    key = Vapid()
    key.generate_keys()
    return b64url(key.private_key.private_numbers().private_value.to_bytes(32, "big"))


def message(event: dict) -> dict:
    """What the service worker shows: title, body, the page to open, a tag per alarm."""
    alarm = event.get("alarm") or {}
    return {"title": "smartcity: " + text.headline(event),
            "body": "\n".join(text.lines(event))[:500],
            "url": f"/alerts?alarm={alarm['id']}" if alarm.get("id") else "/alerts",
            "tag": f"alarm-{alarm['id']}" if alarm.get("id") else "smartcity-digest"}


def send(config, subscription: dict, event: dict, policy: Policy) -> webhook.Outcome:
    key = vapid(config)
    if key is None:
        return webhook.Outcome(ok=False, error="Web Push is not configured (VAPID_PRIVATE_KEY)")
    try:
        with webhook.session(policy) as http:
            response = webpush(subscription, orjson.dumps(message(event)).decode(),
                               vapid_private_key=key,
                               vapid_claims={"sub": config["VAPID_SUBJECT"]},
                               timeout=config["NOTIFY_TIMEOUT_S"], ttl=config["PUSH_TTL_S"],
                               headers={"Urgency": "high" if (event.get("alarm") or {}).get(
                                   "severity") == "critical" else "normal"},
                               requests_session=http)
    except WebPushException as exc:
        if exc.response is None:
            return webhook.Outcome(ok=False, error=f"WebPushException: {exc}"[:500])
        return webhook.outcome_of(exc.response)
    except EgressRefused as exc:
        return webhook.Outcome(ok=False, error=f"refused: {exc}"[:500])
    except (requests.ConnectionError, requests.Timeout) as exc:
        return webhook.Outcome(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}"[:500])
    except (requests.RequestException, ValueError, TypeError) as exc:  # bad keys or endpoint
        return webhook.Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    return webhook.outcome_of(response)
