"""Roles: the built-in ones (read-only) and custom ones (CRUD); assignments live under users."""

from flask import Blueprint, current_app
from sqlalchemy import delete, func, select

from smartcity.audit.service import record
from smartcity.auth import permissions
from smartcity.auth.guard import require_role
from smartcity.auth.models import ROLES, Role, RoleAssignment, User
from smartcity.auth.schemas import role_create_schema, role_update_schema
from smartcity.errors import conflict, not_found
from smartcity.extensions import db
from smartcity.http import json_body, no_store
from smartcity.timeutil import iso

bp = Blueprint("roles", __name__, url_prefix="/api/roles")
bp.after_request(no_store)


def builtin_to_dict(name: str, users: int) -> dict:
    return {"id": None, "name": name, "builtin": True,
            "description": permissions.BUILTIN_DESCRIPTIONS[name],
            "permissions": permissions.BUILTIN[name], "users": users}


def role_to_dict(role: Role, users: int) -> dict:
    return {"id": role.id, "name": role.name, "builtin": False, "description": role.description,
            "permissions": list(role.permissions), "users": users,
            "created_at": iso(role.created_at), "updated_at": iso(role.updated_at)}


def _holders(role_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(RoleAssignment)
                             .where(RoleAssignment.role_id == role_id))


def _get(role_id: int) -> Role:
    role = db.session.get(Role, role_id)
    if role is None:
        raise not_found("role")
    return role


def _check_name_free(name: str, except_id: int | None = None) -> None:
    stmt = select(Role.id).where(func.lower(Role.name) == name.lower())
    if except_id is not None:
        stmt = stmt.where(Role.id != except_id)
    if db.session.scalar(stmt) is not None:
        raise conflict("role name already taken", "name")


@bp.get("")
@require_role("admin")
def list_roles():
    """List the built-in and the custom roles with their permissions and holders."""
    by_role = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    held = dict(db.session.execute(select(RoleAssignment.role_id, func.count())
                                   .group_by(RoleAssignment.role_id)).all())
    custom = db.session.scalars(select(Role).order_by(Role.name)).all()
    return {"items": [builtin_to_dict(name, by_role.get(name, 0)) for name in ROLES]
            + [role_to_dict(role, held.get(role.id, 0)) for role in custom]}


@bp.get("/permissions")
@require_role("admin")
def list_permissions():
    """The permissions a role may hold (resource:action) and the endpoints each opens."""
    return {"actions": list(permissions.ACTIONS), "items": permissions.catalogue(current_app),
            "scoped_resources": sorted(permissions.OBJECT_SCOPED)}


@bp.post("")
@require_role("admin")
def create_role():
    """Create a custom role: a name and a set of resource:action permissions."""
    data = role_create_schema.load(json_body())
    _check_name_free(data["name"])
    role = Role(name=data["name"], description=data["description"],
                permissions=sorted(set(data["permissions"])))
    db.session.add(role)
    db.session.flush()
    record("role.created", "role", role.id, {"name": role.name, "permissions": role.permissions})
    db.session.commit()
    return role_to_dict(role, 0), 201


@bp.get("/<int:role_id>")
@require_role("admin")
def get_role(role_id):
    """Show a custom role."""
    role = _get(role_id)
    return role_to_dict(role, _holders(role.id))


@bp.patch("/<int:role_id>")
@require_role("admin")
def update_role(role_id):
    """Rename a custom role or change its permissions; its holders get them on their next call."""
    role = _get(role_id)
    data = role_update_schema.load(json_body())
    if "name" in data:
        _check_name_free(data["name"], role.id)
        role.name = data["name"]
    if "description" in data:
        role.description = data["description"]
    if "permissions" in data:
        role.permissions = sorted(set(data["permissions"]))
    permissions.compile_role(role.id)
    record("role.updated", "role", role.id, {"fields": sorted(data),
                                             "permissions": list(role.permissions)})
    db.session.commit()
    return role_to_dict(role, _holders(role.id))


@bp.delete("/<int:role_id>")
@require_role("admin")
def delete_role(role_id):
    """Delete a custom role; its holders lose it at once."""
    role = _get(role_id)
    holders = db.session.scalars(select(RoleAssignment.user_id)
                                 .where(RoleAssignment.role_id == role.id)).all()
    db.session.execute(delete(RoleAssignment).where(RoleAssignment.role_id == role.id))
    db.session.delete(role)
    db.session.flush()
    for user_id in holders:
        permissions.compile_user(user_id)
    record("role.deleted", "role", role_id, {"name": role.name, "holders": len(holders)})
    db.session.commit()
    return "", 204
