"""User and service-account operations; routes stay thin and call these."""

import bcrypt
from flask import current_app
from sqlalchemy import func, or_, select

from smartcity.auth.models import ServiceAccount, User
from smartcity.auth.schemas import UserOut
from smartcity.database import utcnow
from smartcity.errors import ApiError, conflict, not_found
from smartcity.extensions import db
from smartcity.http import dumped_as
from smartcity.security import keys
from smartcity.timeutil import iso

# Checked against when the user does not exist, so timing does not reveal which usernames exist.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(4)).decode()


def hash_password(password: str) -> str:
    rounds = current_app.config.get("BCRYPT_ROUNDS", 12)
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def check_password(password: str, hashed: str) -> bool:
    return bcrypt.checkpw(password.encode(), hashed.encode())


def account_id(login: str) -> int | None:
    """The id of the account a login name (username or e-mail, any case) names, if any."""
    if not login or "\x00" in login:
        return None
    return db.session.scalar(select(User.id).where(
        or_(func.lower(User.username) == login, func.lower(User.email) == login)).limit(1))


def authenticate(username: str | None, email: str | None, password: str) -> User:
    """Return the active user with these credentials, or raise 401."""
    login = (username or email or "").strip().lower()
    user = db.session.scalar(select(User).where(
        or_(func.lower(User.username) == login, func.lower(User.email) == login)))
    if user is None:
        check_password(password, _DUMMY_HASH)
        raise ApiError(401, "invalid_credentials", "invalid username or password")
    if not check_password(password, user.password_hash):
        raise ApiError(401, "invalid_credentials", "invalid username or password")
    if not user.is_active:
        raise ApiError(403, "account_disabled", "account is disabled")
    user.last_login_at = utcnow()
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise not_found("user")
    return user


def create_user(data: dict) -> User:
    _check_unique(data.get("username"), data.get("email"))
    user = User(username=data["username"], email=data.get("email"),
                full_name=data.get("full_name"), role=data.get("role", "viewer"),
                password_hash=hash_password(data["password"]))
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, data: dict) -> User:
    if "email" in data and data["email"] != user.email:
        _check_unique(None, data["email"], except_id=user.id)
    ends_sessions = "password" in data or (data.get("is_active") is False and user.is_active)
    for field in ("email", "full_name", "role", "is_active"):
        if field in data:
            setattr(user, field, data[field])
    if "password" in data:
        user.password_hash = hash_password(data["password"])
    if ends_sessions:  # every access and refresh token issued before now answers 401
        user.session_version = (user.session_version or 0) + 1
    return user


def _check_unique(username: str | None, email: str | None, except_id: int | None = None) -> None:
    others = select(User.id)
    if except_id is not None:  # a user may change the case of their own e-mail
        others = others.where(User.id != except_id)
    if username and db.session.scalar(
            others.where(func.lower(User.username) == username.lower())):
        raise conflict("username already taken", "username")
    if email and db.session.scalar(others.where(func.lower(User.email) == email.lower())):
        raise conflict("email already registered", "email")


@dumped_as(UserOut)
def user_to_dict(user: User) -> dict:
    return {"id": user.id, "username": user.username, "email": user.email,
            "full_name": user.full_name, "role": user.role, "is_active": user.is_active,
            "created_at": iso(user.created_at), "last_login_at": iso(user.last_login_at)}


def create_service_account(data: dict, created_by: int | None) -> tuple[ServiceAccount, str]:
    """Create an account and return it with its token, which is shown only this once."""
    if db.session.scalar(select(ServiceAccount.id).where(ServiceAccount.name == data["name"])):
        raise conflict("service account name already taken", "name")
    issued = keys.issue("sa_")
    account = ServiceAccount(name=data["name"], description=data.get("description"),
                             role=data["role"], key_prefix=issued.prefix, key_hash=issued.digest,
                             created_by=created_by)
    db.session.add(account)
    db.session.flush()
    return account, issued.token


def get_service_account(account_id: int) -> ServiceAccount:
    account = db.session.get(ServiceAccount, account_id)
    if account is None:
        raise not_found("service account")
    return account


def service_account_to_dict(account: ServiceAccount) -> dict:
    return {"id": account.id, "name": account.name, "description": account.description,
            "role": account.role, "token_prefix": account.key_prefix,
            "created_at": iso(account.created_at), "revoked_at": iso(account.revoked_at),
            "last_used_at": iso(account.last_used_at), "active": account.revoked_at is None}
