"""Queue broker account changes in the caller's transaction; the API key travels encrypted."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from smartcity.extensions import db
from smartcity.mqtt.accounts.models import BrokerAccountChange
from smartcity.timeutil import now_ms

CHANGED = "broker_accounts_changed"  # session.info flag: kick the applier after commit


def _fernet(secret_key: str) -> Fernet:
    # A key of its own, derived from SECRET_KEY: the queue is readable by whoever reads the
    # database, the key only by whoever reads the deployment's settings.
    digest = hashlib.sha256(b"smartcity broker account changes\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(api_key: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(api_key.encode()).decode()


def decrypt(token: str, secret_key: str) -> str | None:
    """The API key, or None when SECRET_KEY changed since it was queued."""
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def queue_sync(device_id: str, api_key: str | None = None) -> None:
    """Bring the device's broker client in line (with this new key, if given)."""
    secret = encrypt(api_key, current_app.config["SECRET_KEY"]) if api_key else None
    db.session.add(BrokerAccountChange(device_id=device_id, action="sync", secret=secret,
                                       created_ms=now_ms(), attempts=0))
    db.session.info[CHANGED] = True


def queue_delete(device_id: str) -> None:
    db.session.add(BrokerAccountChange(device_id=device_id, action="delete", secret=None,
                                       created_ms=now_ms(), attempts=0))
    db.session.info[CHANGED] = True


def enabled() -> bool:
    """Queue only where the platform manages broker accounts (MQTT_ADMIN_USERNAME set)."""
    config = current_app.config
    return bool(config.get("MQTT_URL") and config.get("MQTT_ADMIN_USERNAME"))
