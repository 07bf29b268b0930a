from flask import Blueprint, g, request
from sqlalchemy import delete, func, or_, select

from smartcity.audit.service import record
from smartcity.auth import permissions, service
from smartcity.auth.guard import require_role
from smartcity.auth.models import Role, RoleAssignment, User
from smartcity.auth.schemas import assignments_schema, user_create_schema, user_update_schema
from smartcity.devices.control_models import DeviceGroup
from smartcity.errors import ApiError, bad_request
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



def _assignments(user: User) -> dict:
    rows = db.session.execute(select(RoleAssignment, Role.name)
                              .join(Role, Role.id == RoleAssignment.role_id)
                              .where(RoleAssignment.user_id == user.id).order_by(Role.name)).all()
    return {"user_id": user.id, "role": user.role,
            "assignments": [{"role_id": a.role_id, "role": name, "domains": a.domains,
                             "device_groups": a.device_groups} for a, name in rows]}


@bp.get("/<int:user_id>/roles")
@require_role("admin")
def get_user_roles(user_id):
    """Show a user's built-in role and custom role assignments with their scopes."""
    return _assignments(service.get_user(user_id))


@bp.put("/<int:user_id>/roles")
@require_role("admin")
def set_user_roles(user_id):
    """Replace a user's custom role assignments: [{role_id, domains?, device_groups?}]."""
    user = service.get_user(user_id)
    wanted = assignments_schema.load(json_body())["assignments"]
    role_ids = [a["role_id"] for a in wanted]
    if len(set(role_ids)) != len(role_ids):
        raise bad_request("assignments: a role is given twice", "assignments")
    known = set(db.session.scalars(select(Role.id).where(Role.id.in_(role_ids))))
    groups = {g for a in wanted for g in a["device_groups"] or ()}
    known_groups = set(db.session.scalars(select(DeviceGroup.id).where(DeviceGroup.id.in_(groups))))
    for i, assignment in enumerate(wanted):
        if assignment["role_id"] not in known:
            raise bad_request(f"assignments.{i}.role_id: no such role", "assignments")
        if set(assignment["device_groups"] or ()) - known_groups:
            raise bad_request(f"assignments.{i}.device_groups: no such device group",
                              "assignments")
    db.session.execute(delete(RoleAssignment).where(RoleAssignment.user_id == user.id))
    db.session.add_all(RoleAssignment(user_id=user.id, role_id=a["role_id"],
                                      domains=sorted(set(a["domains"])) if a["domains"] else None,
                                      device_groups=sorted(set(a["device_groups"]))
                                      if a["device_groups"] else None) for a in wanted)
    db.session.flush()
    permissions.compile_user(user.id)
    record("user.roles_set", "user", user.id, {"assignments": wanted})
    db.session.commit()
    return _assignments(user)
