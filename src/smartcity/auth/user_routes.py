from flask import Blueprint, g, request
from sqlalchemy import func, or_, select

from smartcity.audit.service import record
from smartcity.auth import service
from smartcity.auth.guard import require_role
from smartcity.auth.models import User
from smartcity.auth.schemas import user_create_schema, user_update_schema
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.http import json_body, search_pattern
from smartcity.pagination import page_response, paginate

bp = Blueprint("users", __name__, url_prefix="/api/users")


@bp.get("")
@require_role("admin")
def list_users():
    """List users (filters: role, q)."""
    stmt = select(User)
    if request.args.get("role"):
        stmt = stmt.where(User.role == request.args["role"])
    if request.args.get("q"):
        like = search_pattern(request.args["q"])
        stmt = stmt.where(or_(func.lower(User.username).like(like, escape="\\"),
                              func.lower(User.email).like(like, escape="\\")))
    rows, cursor = paginate(db.session, stmt, [User.id])
    return page_response([service.user_to_dict(u) for u in rows], cursor)


@bp.post("")
@require_role("admin")
def create_user():
    """Create a user."""
    user = service.create_user(user_create_schema.load(json_body()))
    record("user.created", "user", user.id, {"role": user.role})
    db.session.commit()
    return service.user_to_dict(user), 201


@bp.get("/<int:user_id>")
@require_role("admin")
def get_user(user_id):
    """Show a user."""
    return service.user_to_dict(service.get_user(user_id))


@bp.patch("/<int:user_id>")
@require_role("admin")
def update_user(user_id):
    """Change a user's role, status, e-mail, name or password."""
    data = user_update_schema.load(json_body())
    user = service.get_user(user_id)
    if user.id == g.principal.id and (data.get("role", "admin") != "admin"
                                      or data.get("is_active") is False):
        raise ApiError(409, "conflict", "admins cannot demote or disable themselves",
                       {"field": "role" if "role" in data else "is_active"})
    service.update_user(user, data)
    record("user.updated", "user", user.id,
           {k: v for k, v in data.items() if k != "password"} | {"fields": sorted(data)})
    db.session.commit()
    return service.user_to_dict(user)


@bp.delete("/<int:user_id>")
@require_role("admin")
def delete_user(user_id):
    """Delete a user."""
    user = service.get_user(user_id)
    if user.id == g.principal.id:
        raise ApiError(409, "conflict", "admins cannot delete themselves")
    db.session.delete(user)
    record("user.deleted", "user", user_id, {"username": user.username})
    db.session.commit()
    return "", 204


@bp.delete("/<int:user_id>/sessions")
@require_role("admin")
def end_user_sessions(user_id):
    """End every session of a user: all their access and refresh tokens answer 401 at once."""
    user = service.get_user(user_id)
    user.session_version = (user.session_version or 0) + 1
    record("user.sessions_ended", "user", user.id)
    db.session.commit()
    return "", 204

