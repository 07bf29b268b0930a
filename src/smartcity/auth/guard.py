"""Who is calling: the one role decorator for users (JWT) and service accounts (token)."""

from dataclasses import dataclass, replace
from functools import wraps

from flask import current_app, g, request
from sqlalchemy import exists, select

from smartcity import domains
from smartcity.auth import permissions, tokens
from smartcity.auth.models import ROLES, RevokedToken, ServiceAccount, User
from smartcity.database import utcnow
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.security import keys

SERVICE_ACCOUNT_TAG = "sa_"


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" or "service_account"
    id: int
    name: str
    role: str
    claims: dict | None = None  # the access token's claims, for users
    grants: tuple = ()  # custom role assignments, compiled (auth/permissions.py)
    scope: permissions.Scope | None = None  # set when only a scoped grant let this call in

    def can(self, role: str) -> bool:
        """Does the built-in role reach `role`? (Custom roles: see authorize.)"""
        return ROLES.index(self.role) >= ROLES.index(role)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def principal_from_token(token: str) -> Principal:
    """Resolve an access JWT or a service-account token, or raise 401."""
    if token.startswith(SERVICE_ACCOUNT_TAG):
        return _service_account(token)
    claims = tokens.verify(token, "access")
    # The user and the token's revocation in one round trip: this runs on every request.
    user = db.session.execute(
        select(User.id, User.username, User.role, User.is_active, User.session_version,
               User.grants, exists().where(RevokedToken.jti == claims["jti"]).label("revoked"))
        .where(User.id == int(claims["sub"]))).first()
    if user is not None and user.revoked:
        raise ApiError(401, "unauthorized", "token revoked")
    if user is None or not user.is_active:
        raise ApiError(401, "unauthorized", "user inactive or deleted")
    tokens.check_session(claims, user.session_version)
    return Principal("user", user.id, user.username, user.role, claims, tuple(user.grants or ()))


def _service_account(token: str) -> Principal:
    prefix = keys.split_prefix(token)
    account = prefix and db.session.scalar(
        select(ServiceAccount).where(ServiceAccount.key_prefix == prefix))
    if not account or account.revoked_at is not None or not keys.matches(token, account.key_hash):
        raise ApiError(401, "unauthorized", "invalid or revoked service-account token")
    now = utcnow()
    if account.last_used_at is None or (now - account.last_used_at).total_seconds() > 60:
        db.release()  # write in a transaction of its own (see database._safe_request)
        account.last_used_at = now  # coarse, so a busy integration does not write per request
        db.session.commit()
    return Principal("service_account", account.id, account.name, account.role)


def current_principal() -> Principal:
    return g.principal


def authorize(role: str) -> Principal:
    """Resolve the bearer token into g.principal; 401 without a token, 403 below `role`."""
    token = bearer_token()
    if token is None:
        raise ApiError(401, "unauthorized", "missing bearer token",
                       headers={"WWW-Authenticate": "Bearer"})
    principal = principal_from_token(token)
    if not principal.can(role):
        scope = permissions.granted(principal.grants, request.blueprint or "",
                                    permissions.ACTION_OF_ROLE[role],
                                    domains.enabled(current_app))
        if scope is False:
            raise ApiError(403, "forbidden", f"requires role {role}")
        principal = replace(principal, scope=scope)
    g.principal = principal
    return principal


def require_role(role: str):
    """Let through callers holding `role` or a higher one."""
    if role not in ROLES:
        raise ValueError(role)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            authorize(role)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def require_user(view):
    """Like require_role('viewer') but only for human users (profile, password)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if authorize("viewer").kind != "user":
            raise ApiError(403, "forbidden", "service accounts have no profile")
        return view(*args, **kwargs)

    wrapped.required_role = "viewer"
    return wrapped
