"""Webhook delivery: one signed JSON POST per attempt.

Every request carries

    Content-Type: application/json
    X-Smartcity-Event: alarm.created | alarm.updated | alarm.acked | alarm.cleared
    X-Smartcity-Delivery: <delivery id>  (the same on every retry: receivers dedupe on it)
    X-Smartcity-Timestamp: <unix seconds when this attempt was signed>
    X-Smartcity-Signature: sha256=<hex HMAC-SHA256(webhook_secret, "<timestamp>.<raw body>")>

The signature header is left out when the rule has no webhook_secret. To verify, a receiver
computes the HMAC over the timestamp header, a dot, and the raw request body bytes (not a
re-serialised copy), compares it in constant time, and rejects timestamps older than a few
minutes so that a captured request cannot be replayed later. `verify_signature` does exactly that.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass

import orjson
import requests

from smartcity.security.egress import EgressAdapter, EgressRefused, Policy

SIGNATURE_PREFIX = "sha256="
USER_AGENT = "smartcity-notifier/1"


@dataclass
class Outcome:
    """What one attempt achieved; `retry` says whether another attempt may succeed."""

    ok: bool
    retry: bool = False
    status_code: int | None = None
    error: str | None = None
    retry_after_s: float | None = None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the X-Smartcity-Signature value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str,
                     tolerance_s: int = 300, now: float | None = None) -> bool:
    """True if `signature` is ours for this body and the timestamp is recent enough."""
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(age) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def build_body(event: dict, sent_at: str) -> bytes:
    """The exact bytes posted (and signed): the stored event plus this attempt's sent_at."""
    return orjson.dumps({**event, "sent_at": sent_at})


def build_headers(event_name: str, delivery_id: int, timestamp: str, body: bytes,
                  secret: str | None) -> dict:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Smartcity-Event": event_name,
        "X-Smartcity-Delivery": str(delivery_id),
        "X-Smartcity-Timestamp": timestamp,
    }
    if secret:
        headers["X-Smartcity-Signature"] = sign(secret, timestamp, body)
    return headers


def session(policy: Policy) -> requests.Session:
    """A requests session whose every connection passes the egress policy (no proxies)."""
    s = requests.Session()
    s.trust_env = False  # a proxy from the environment would hide the peer we check
    adapter = EgressAdapter(policy)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


def post(url: str, timeout: float, policy: Policy | None = None, **kwargs) -> Outcome:
    """POST once through the egress guard and say what came of it: retry on connection errors,
    timeouts, 429 and 5xx only (every HTTP channel classifies its answers this way)."""
    try:
        with session(policy or Policy()) as http:
            response = http.post(url, timeout=timeout, allow_redirects=False, **kwargs)
    except EgressRefused as exc:  # the address will not become public by retrying
        return Outcome(ok=False, error=f"refused: {exc}"[:500])
    except (requests.ConnectionError, requests.Timeout) as exc:
        return Outcome(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}"[:500])
    except requests.RequestException as exc:  # invalid URL and the like: retrying cannot help
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    return outcome_of(response)


def outcome_of(response) -> Outcome:
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(ok=True, status_code=code)
    error = f"HTTP {code}: {response.text[:300]}".strip()
    if code == 429 or code >= 500:
        return Outcome(ok=False, retry=True, status_code=code, error=error,
                       retry_after_s=_retry_after(response.headers.get("Retry-After")))
    return Outcome(ok=False, status_code=code, error=error)


def send(url: str, delivery_id: int, event: dict, secret: str | None, sent_at: str,
         timeout: float, now_s: float | None = None, policy: Policy | None = None) -> Outcome:
    """POST the event once. The connected address must pass the egress policy (checked on the
    socket: no rebinding)."""
    timestamp = str(int(time.time() if now_s is None else now_s))
    body = build_body(event, sent_at)
    headers = build_headers(event["event"], delivery_id, timestamp, body, secret)
    return post(url, timeout, policy, data=body, headers=headers)


def _retry_after(value: str | None) -> float | None:
    # Only the delta-seconds form; an HTTP date is rare from webhook receivers.
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
