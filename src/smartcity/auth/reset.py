"""Password reset by e-mail: a single-use token, valid PASSWORD_RESET_TTL_S, of which only a
hash is stored. Asking never reveals whether an account exists."""

import hashlib
import logging
import secrets
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import func, select, update

from smartcity.auth import service
from smartcity.auth.models import PasswordResetToken, User
from smartcity.database import utcnow
from smartcity.errors import bad_request
from smartcity.extensions import db
from smartcity.notifications import email

log = logging.getLogger(__name__)
T = PasswordResetToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(address: str, requested_from: str | None) -> tuple[User | None, str]:
    """Store a token for the active account with this e-mail; return (user or None, token).
    The token is drawn and hashed whether or not the account exists, and the mail leaves on
    another thread (send_later, after the caller commits), so the answer takes about as long
    either way. The caller answers 202 in both cases."""
    token = secrets.token_urlsafe(32)
    digest = _digest(token)
    user = db.session.scalar(select(User).where(
        func.lower(User.email) == address.strip().lower()[:254]))
    if user is None or not user.is_active or not user.email:
        return None, token
    now = utcnow()
    ttl = current_app.config["PASSWORD_RESET_TTL_S"]
    db.session.add(T(user_id=user.id, token_hash=digest, created_at=now,
                     expires_at=now + timedelta(seconds=ttl),
                     requested_from=(requested_from or "")[:64] or None))
    db.session.flush()
    return user, token


def reset(token: str, password: str) -> User:
    """Spend the token and set the password; every session of the user ends with it (the
    session_version bump). Unknown, used and expired tokens get one answer: 400 on "token"."""
    now = utcnow()
    row = db.session.scalar(select(T).where(T.token_hash == _digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise bad_request("invalid or expired reset token", "token", code="invalid_token")
    # Atomic: of two requests spending one token at once, exactly one sets used_at.
    spent = db.session.execute(update(T).where(T.id == row.id, T.used_at.is_(None))
                               .values(used_at=now)).rowcount
    if spent != 1:
        raise bad_request("invalid or expired reset token", "token", code="invalid_token")
    user = service.get_user(row.user_id)
    if not user.is_active:
        raise bad_request("invalid or expired reset token", "token", code="invalid_token")
    # Other outstanding links for this account die too: the password they would reset is gone.
    db.session.execute(update(T).where(T.user_id == user.id, T.used_at.is_(None))
                       .values(used_at=now))
    service.update_user(user, {"password": password})
    return user


def message(config, to: str, token: str, ttl_s: int) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "[smartcity] Password reset"
    msg["From"] = config["SMTP_FROM"]
    msg["To"] = to
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="smartcity")
    base = (config.get("PUBLIC_URL") or "").rstrip("/")
    # The token travels in the #fragment: browsers never send it to a server or in a Referer.
    how = (f"Open this link to choose a new password:\n\n{base}/reset-password#token={token}\n\n"
           if base else
           f"Reset token: {token}\n\nOpen /reset-password#token=<the token> on the dashboard, or "
           'send it with your new password to POST /api/auth/reset-password '
           '{"token": "...", "password": "..."}.\n\n')
    msg.set_content(
        "Someone (hopefully you) asked to reset the password of your smartcity account.\n\n"
        + how +
        f"It works once, for {ttl_s // 60} minutes. If you did not ask, ignore this e-mail: "
        "your password stays as it is.\n")
    return msg


def send_later(to: str, token: str) -> None:
    """Mail the token from a background thread (committed first, so the link works at once)."""
    config = dict(current_app.config)
    ttl_s = config["PASSWORD_RESET_TTL_S"]
    if not email.enabled(config):
        log.warning("password reset requested but SMTP_HOST is not configured; no e-mail sent")
        return

    def send():
        outcome = email.deliver(config, message(config, to, token, ttl_s), to)
        if not outcome.ok:
            log.warning("password reset e-mail not sent: %s", outcome.error)

    # Not through the delivery log: that one is for alarms, is readable by admins, and keeps
    # the payload; a reset token must live nowhere but in the recipient's mailbox.
    threading.Thread(target=send, name="password-reset-mail", daemon=True).start()
