"""Permissions in the NIST RBAC sense (INCITS 359: users, roles, permissions = operations on
objects): a permission is (resource, action), written "resource:action".

- resource: a blueprint's name, the first part of an endpoint ("devices", "alerts", "waste"),
  or "*". A domain's routes are the resource named after the domain.
- action: what the route's role level needs: read (viewer), write (operator), manage (admin),
  or "*".

The built-in roles are these permissions, unscoped: viewer = *:read, operator = *:read and
*:write, admin = *:*. A custom role (table roles) is any set of them; assigned to a user
(role_assignments) it may be scoped to domains and/or device groups. A scoped assignment grants
only where the object is known to lie in the scope:

- a domain's routes (resource = the domain): the domain is in the scope's domains;
- devices, device_control, device_groups: the route lets the call through and checks the device
  (its domain, or membership of a scope's group) or the group itself: guard.check_device and
  guard.check_group;
- any other resource: a scoped assignment grants nothing there.

Every user keeps a built-in role (users.role, viewer at least): custom roles add to it. The
assignments are compiled into users.grants whenever a role or an assignment changes, so the
guard reads them in the one query it already makes per request.
"""

from dataclasses import dataclass

from sqlalchemy import select

from smartcity.auth.models import Role, RoleAssignment, User
from smartcity.extensions import db

ACTIONS = ("read", "write", "manage")
ACTION_OF_ROLE = {"viewer": "read", "operator": "write", "admin": "manage"}
BUILTIN = {"viewer": ["*:read"], "operator": ["*:read", "*:write"], "admin": ["*:*"]}
BUILTIN_DESCRIPTIONS = {"viewer": "reads everything", "operator": "reads and operates everything",
                        "admin": "everything, including users, roles and deletions"}
# Resources whose routes check each object against a scope (guard.check_device, check_group).
OBJECT_SCOPED = frozenset({"devices", "device_control", "device_groups"})


@dataclass(frozen=True)
class Scope:
    """Where a scoped grant lets the caller act: devices of these domains or in these groups."""

    domains: frozenset
    groups: frozenset


def resources(app) -> list[str]:
    """Every resource a permission may name: blueprints with guarded /api routes."""
    found = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith("/api") and getattr(view, "required_role", None) in ACTION_OF_ROLE:
            found.add(rule.endpoint.split(".", 1)[0])
    return sorted(found)


def catalogue(app) -> list[dict]:
    """The permissions one may put in a role, with the endpoints each opens."""
    items = {}
    for rule in app.url_map.iter_rules():
        role = getattr(app.view_functions[rule.endpoint], "required_role", None)
        if not rule.rule.startswith("/api") or role not in ACTION_OF_ROLE:
            continue
        resource = rule.endpoint.split(".", 1)[0]
        item = items.setdefault((resource, ACTION_OF_ROLE[role]), {
            "permission": f"{resource}:{ACTION_OF_ROLE[role]}", "resource": resource,
            "action": ACTION_OF_ROLE[role], "endpoints": []})
        item["endpoints"].extend(f"{m} {rule.rule}" for m in sorted(rule.methods - {"HEAD",
                                                                                    "OPTIONS"}))
    return [items[key] for key in sorted(items)]


def _matches(permission: str, resource: str, action: str) -> bool:
    have_resource, _, have_action = permission.partition(":")
    return have_resource in ("*", resource) and have_action in ("*", action)


def granted(grants, resource: str, action: str, domains) -> Scope | None | bool:
    """What the compiled grants allow on (resource, action): None unrestricted, a Scope to check
    per object, or False (nothing)."""
    scope_domains, scope_groups = set(), set()
    for grant in grants or ():
        if not any(_matches(p, resource, action) for p in grant["permissions"]):
            continue
        if grant.get("domains") is None and grant.get("device_groups") is None:
            return None
        if resource in domains:
            if resource in (grant.get("domains") or ()):
                return None
        elif resource in OBJECT_SCOPED:
            scope_domains.update(grant.get("domains") or ())
            scope_groups.update(grant.get("device_groups") or ())
    if scope_domains or scope_groups:
        return Scope(frozenset(scope_domains), frozenset(scope_groups))
    return False


def compile_user(user_id: int) -> None:
    """Rewrite users.grants from the user's assignments (call before the commit)."""
    rows = db.session.execute(
        select(Role.name, Role.permissions, RoleAssignment.domains, RoleAssignment.device_groups)
        .join(Role, Role.id == RoleAssignment.role_id)
        .where(RoleAssignment.user_id == user_id).order_by(Role.name)).all()
    user = db.session.get(User, user_id)
    if user is not None:
        user.grants = [{"role": name, "permissions": list(permissions), "domains": domains,
                        "device_groups": groups}
                       for name, permissions, domains, groups in rows] or None


def compile_role(role_id: int) -> None:
    """Recompile every user holding the role (after it changed, before it is deleted)."""
    db.session.flush()
    for user_id in db.session.scalars(
            select(RoleAssignment.user_id).where(RoleAssignment.role_id == role_id)).all():
        compile_user(user_id)


def forget_group(group_id: int) -> None:
    """A device group is deleted: drop it from every assignment's scope (an id reused later must
    not inherit it); an assignment scoped to nothing else goes, never becoming unscoped."""
    touched = set()
    for assignment in db.session.scalars(select(RoleAssignment).where(
            RoleAssignment.device_groups.is_not(None))).all():
        if group_id not in (assignment.device_groups or ()):
            continue
        touched.add(assignment.user_id)
        left = [g for g in assignment.device_groups if g != group_id]
        if left or assignment.domains:
            assignment.device_groups = left or None
        else:
            db.session.delete(assignment)
    db.session.flush()
    for user_id in touched:
        compile_user(user_id)
