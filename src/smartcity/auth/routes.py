from flask import Blueprint, current_app, g, jsonify, make_response, request

from smartcity.audit.service import record
from smartcity.auth import refresh_cookie, reset, service, sessions, tokens
from smartcity.auth.guard import Principal, require_role, require_user
from smartcity.auth.models import User
from smartcity.auth.schemas import (
    change_password_schema,
    forgot_password_schema,
    login_schema,
    logout_schema,
    profile_update_schema,
    refresh_schema,
    reset_password_schema,
    user_create_schema,
)
from smartcity.errors import ApiError, bad_request
from smartcity.extensions import db, limiter
from smartcity.http import json_body, no_store

bp = Blueprint("auth", __name__, url_prefix="/api/auth")
bp.after_request(no_store)


def _login_rate():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_identity() -> str:
    """Rate-limit key per attempted account, so one IP rotation cannot brute-force a user. A
    username and an e-mail that name one account share its allowance."""
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        return "login:-"
    name = body.get("username") or body.get("email") or "-"
    name = str(name).strip().lower()[:254]
    account = service.account_id(name)
    return f"login:#{account}" if account is not None else f"login:{name}"


def _token_response(user, session=None):
    """The token pair (of a new sign-in session unless one is given); a client that opted in
    gets the refresh token as a cookie instead."""
    if session is None:
        session = sessions.start(user, current_app.config["JWT_REFRESH_TTL"])
    body = {**tokens.issue_pair(user, session.id), "token_type": "Bearer",
            "expires_in": current_app.config["JWT_ACCESS_TTL"],
            "user": service.user_to_dict(user)}
    if not refresh_cookie.opted_in():
        return body
    return refresh_cookie.attach(jsonify({**body, "refresh_token": None}), body["refresh_token"])


@bp.post("/login")
@limiter.limit(_login_rate)
@limiter.limit(_login_rate, key_func=_login_identity)
def login():
    """Exchange a username or e-mail and password for access and refresh tokens."""
    data = login_schema.load(json_body())
    user = service.authenticate(data.get("username"), data.get("email"), data["password"])
    record("auth.login", "user", user.id,
           actor=Principal("user", user.id, user.username, user.role))
    response = _token_response(user)
    db.session.commit()
    return response


@bp.post("/refresh")
def refresh():
    """Trade a refresh token (body, or the cookie with X-Refresh-Cookie) for a new pair."""
    cookie = refresh_cookie.token()
    data = {"refresh_token": cookie} if cookie and not request.get_data() else refresh_schema.load(
        json_body())
    claims = tokens.verify(data["refresh_token"], "refresh")
    if not tokens.revoke(claims):  # used already, or by a request racing this one
        raise ApiError(401, "unauthorized", "token revoked")
    user = db.session.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise ApiError(401, "unauthorized", "user inactive or deleted")
    tokens.check_session(claims, user.session_version)
    session = sessions.extend(claims, user, current_app.config["JWT_REFRESH_TTL"])
    response = _token_response(user, session)
    db.session.commit()
    return response


@bp.delete("/refresh")
def end_refresh_session():
    """Sign this browser out in every tab: revoke the refresh cookie's token and clear it."""
    if not refresh_cookie.opted_in():
        raise bad_request(f"send the header {refresh_cookie.HEADER}: 1", refresh_cookie.HEADER)
    _revoke_cookie()
    return refresh_cookie.clear(make_response("", 204))


def _revoke_cookie() -> None:
    cookie = refresh_cookie.token()
    if cookie:
        try:
            claims = tokens.verify(cookie, "refresh")
            tokens.revoke(claims)
            sessions.end_by_claims(claims)
            db.session.commit()
        except ApiError:
            pass  # expired or forged: clearing it is all there is to do


@bp.post("/logout")
@require_user
def logout():
    """Revoke the access token (and the refresh token, when given)."""
    body = logout_schema.load(json_body() if request.get_data() else {})
    tokens.revoke(g.principal.claims)
    if body.get("refresh_token"):
        refresh_claims = tokens.decode(body["refresh_token"], "refresh")
        if refresh_claims["sub"] != g.principal.claims["sub"]:
            raise ApiError(403, "forbidden", "refresh token belongs to another user")
        tokens.revoke(refresh_claims)
        sessions.end_by_claims(refresh_claims)
    record("auth.logout", "user", g.principal.id)
    db.session.commit()
    if not refresh_cookie.opted_in():
        return {"status": "logged_out"}
    _revoke_cookie()
    return refresh_cookie.clear(jsonify({"status": "logged_out"}))


@bp.get("/profile")
@require_user
def get_profile():
    """Show the signed-in user's profile."""
    return service.user_to_dict(service.get_user(g.principal.id))


@bp.put("/profile")
@require_user
def update_profile():
    """Update the signed-in user's name and e-mail."""
    data = profile_update_schema.load(json_body())
    user = service.update_user(service.get_user(g.principal.id), data)
    record("auth.profile_updated", "user", user.id, {"fields": sorted(data)})
    db.session.commit()
    return service.user_to_dict(user)


@bp.post("/change-password")
@require_user
def change_password():
    """Change the signed-in user's password after checking the current one."""
    data = change_password_schema.load(json_body())
    user = service.get_user(g.principal.id)
    if not service.check_password(data["current_password"], user.password_hash):
        raise ApiError(400, "invalid_credentials", "current password is wrong",
                       {"field": "current_password"})
    service.update_user(user, {"password": data["new_password"]})
    record("auth.password_changed", "user", user.id)
    # Every earlier session ended with the old password; this caller gets a fresh one.
    response = _token_response(user)
    db.session.commit()
    return response if not isinstance(response, dict) else {"status": "password_changed",
                                                             **response}


@bp.post("/forgot-password")
@limiter.limit(_login_rate)
def forgot_password():
    """E-mail a single-use reset token; always 202, whether or not the account exists."""
    data = forgot_password_schema.load(json_body())
    user, token = reset.request_reset(data["email"], request.remote_addr)
    if user is not None:
        record("auth.password_reset_requested", "user", user.id,
               actor=Principal("user", user.id, user.username, user.role))
    db.session.commit()
    if user is not None:
        reset.send_later(user.email, token)
    return {"status": "accepted",
            "message": "if an account has this e-mail, a reset link is on its way"}, 202


@bp.post("/reset-password")
@limiter.limit(_login_rate)
def reset_password():
    """Set a new password with an e-mailed token; every session of the account ends."""
    data = reset_password_schema.load(json_body())
    user = reset.reset(data["token"], data["password"])
    record("auth.password_reset", "user", user.id,
           actor=Principal("user", user.id, user.username, user.role))
    db.session.commit()
    return {"status": "password_reset"}


@bp.get("/sessions")
@require_user
def list_sessions():
    """The signed-in user's active sessions (user agent, address, created, last use)."""
    user = service.get_user(g.principal.id)
    current = (g.principal.claims or {}).get("sid")
    return {"items": [sessions.to_dict(s, current) for s in sessions.active(user)]}


@bp.delete("/sessions/<int:session_id>")
@require_user
def end_session(session_id):
    """End one of the signed-in user's sessions: its refresh token stops working."""
    session = sessions.end(service.get_user(g.principal.id), session_id)
    record("auth.session_ended", "user", g.principal.id, {"session_id": session.id})
    db.session.commit()
    return "", 204


@bp.post("/register")
@require_role("admin")
def register():
    """Create a user account (admins only)."""
    user = service.create_user(user_create_schema.load(json_body()))
    record("user.created", "user", user.id, {"role": user.role})
    db.session.commit()
    return service.user_to_dict(user), 201
