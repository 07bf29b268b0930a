"""Sign-in sessions: each login starts one, each refresh extends it, and ending one makes its
refresh token useless (its access token lives out its JWT_ACCESS_TTL)."""

import time

from flask import request
from sqlalchemy import select

from smartcity.auth.models import User, UserSession
from smartcity.database import utcnow
from smartcity.errors import ApiError, not_found
from smartcity.extensions import db
from smartcity.timeutil import iso

S = UserSession


def _client() -> dict:
    agent = request.headers.get("User-Agent") or None
    return {"user_agent": agent[:256] if agent else None,
            "address": (request.remote_addr or "")[:64] or None}


def start(user: User, refresh_ttl: int) -> UserSession:
    session = S(user_id=user.id, session_version=user.session_version or 0,
                expires_at=int(time.time()) + refresh_ttl, **_client())
    db.session.add(session)
    db.session.flush()
    return session


def extend(claims: dict, user: User, refresh_ttl: int) -> UserSession | None:
    """The session a refresh token belongs to, extended; 401 once it was ended. Tokens issued
    before sessions existed carry no sid: they start one."""
    if "sid" not in claims:
        return start(user, refresh_ttl)
    session = db.session.get(S, claims["sid"]) if isinstance(claims["sid"], int) else None
    if session is None or session.user_id != user.id or session.revoked_at is not None:
        raise ApiError(401, "unauthorized", "session ended")
    session.last_used_at = utcnow()
    session.expires_at = int(time.time()) + refresh_ttl
    for field, value in _client().items():
        setattr(session, field, value)
    return session


def end_by_claims(claims: dict) -> None:
    """Logout with a refresh token ends its session."""
    sid = claims.get("sid")
    session = db.session.get(S, sid) if isinstance(sid, int) else None
    if session is not None and session.revoked_at is None:
        session.revoked_at = utcnow()


def active(user: User) -> list[UserSession]:
    return list(db.session.scalars(select(S).where(
        S.user_id == user.id, S.revoked_at.is_(None),
        S.session_version == (user.session_version or 0),
        S.expires_at > int(time.time())).order_by(S.last_used_at.desc(), S.id.desc())))


def end(user: User, session_id: int) -> UserSession:
    """End one of this user's sessions (another user's is a 404, as if it did not exist)."""
    session = db.session.get(S, session_id)
    if session is None or session.user_id != user.id or session.revoked_at is not None:
        raise not_found("session")
    session.revoked_at = utcnow()
    return session


def to_dict(session: UserSession, current_sid=None) -> dict:
    return {"id": session.id, "user_agent": session.user_agent, "address": session.address,
            "created_at": iso(session.created_at), "last_used_at": iso(session.last_used_at),
            "current": session.id == current_sid}
