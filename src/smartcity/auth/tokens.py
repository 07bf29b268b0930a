"""JWT access and refresh tokens (HS256) with revocation kept in the database."""

import time
import uuid

import jwt
from flask import current_app
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from smartcity.auth.models import RevokedToken
from smartcity.errors import ApiError
from smartcity.extensions import db


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message)


def issue_pair(user, sid: int | None = None) -> dict:
    """Both tokens; sid names the sign-in session (auth/sessions.py) they belong to."""
    return {"access_token": issue(user, "access", sid),
            "refresh_token": issue(user, "refresh", sid)}


def issue(user, kind: str, sid: int | None = None) -> str:
    now = int(time.time())
    ttl = current_app.config["JWT_ACCESS_TTL" if kind == "access" else "JWT_REFRESH_TTL"]
    claims = {"sub": str(user.id), "role": user.role, "type": kind, "sv": user.session_version or 0,
              "jti": uuid.uuid4().hex, "iat": now, "exp": now + ttl}
    if sid is not None:
        claims["sid"] = sid
    return jwt.encode(claims, current_app.config["JWT_SECRET_KEY"], algorithm="HS256")


def decode(token: str, kind: str) -> dict:
    """Verify signature, expiry, type and revocation; return the claims."""
    claims = verify(token, kind)
    if db.session.get(RevokedToken, claims["jti"]) is not None:
        raise _unauthorized("token revoked")
    return claims


def verify(token: str, kind: str) -> dict:
    """Verify signature, expiry and type (not revocation: see decode); return the claims."""
    try:
        claims = jwt.decode(token, current_app.config["JWT_SECRET_KEY"], algorithms=["HS256"],
                            options={"require": ["sub", "jti", "exp", "type"]})
    except jwt.ExpiredSignatureError:
        raise _unauthorized("token expired") from None
    except jwt.InvalidTokenError:
        raise _unauthorized("invalid token") from None
    if claims["type"] != kind:
        raise _unauthorized(f"expected a {kind} token")
    if not isinstance(claims.get("sv", 0), int) or not str(claims["sub"]).isdigit():
        raise _unauthorized("invalid token")
    return claims


def check_session(claims: dict, session_version: int) -> None:
    """Refuse a token issued before the user's password changed or the account was disabled."""
    if claims.get("sv", 0) != (session_version or 0):
        raise _unauthorized("session ended (password changed or account disabled)")


def revoke(claims: dict) -> bool:
    """Revoke a token unless it already is; True if this call revoked it. Atomic: of two
    requests refreshing with the same token at once, exactly one wins (the other gets 401),
    and two logouts with one token do not collide."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = RevokedToken.__table__
    inserted = db.session.execute(insert(table).values(
        jti=claims["jti"], expires_at=int(claims["exp"])).on_conflict_do_nothing()
        .returning(table.c.jti)).first()
    return inserted is not None



def prune_revoked(now: int | None = None) -> int:
    """Forget revocations of tokens that have expired anyway."""
    now = int(time.time()) if now is None else now
    result = db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    db.session.commit()
    return result.rowcount

