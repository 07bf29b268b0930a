"""Dashboards and charts: storage, who may see and change them, public links, export/import."""

import secrets

from sqlalchemy import select

from smartcity.custom_dashboards import widgets as widget_model
from smartcity.custom_dashboards.models import CustomDashboard, HomeDashboard
from smartcity.errors import ApiError, bad_request, not_found
from smartcity.extensions import db
from smartcity.timeutil import iso

EXPORT_VERSION = 1
FIELDS = ("title", "description", "widgets", "variables", "time_range", "refresh_s",
          "shared_roles")


def visible(principal, kind: str) -> list[CustomDashboard]:
    """What the caller may open: their own, what is shared with their role; admins see all.
    A city has tens of dashboards, so the role test runs here rather than in JSON SQL that
    differs between SQLite and PostgreSQL."""
    boards = db.session.scalars(select(CustomDashboard).where(CustomDashboard.kind == kind)
                                .order_by(CustomDashboard.title, CustomDashboard.id))
    return [b for b in boards if _may_view(b, principal)]


def get_visible(dashboard_id: int, principal, kind: str) -> CustomDashboard:
    board = db.session.get(CustomDashboard, dashboard_id)
    if board is None or board.kind != kind or not _may_view(board, principal):
        raise not_found(kind)  # a private dashboard of someone else does not exist for you
    return board


def get_editable(dashboard_id: int, principal, kind: str) -> CustomDashboard:
    board = get_visible(dashboard_id, principal, kind)
    if board.owner_id != principal.id and not principal.can("admin"):
        raise ApiError(403, "forbidden", f"this {kind} is shared with you read-only")
    return board


def _may_view(board: CustomDashboard, principal) -> bool:
    return (board.owner_id == principal.id or principal.can("admin")
            or principal.role in (board.shared_roles or []))


def create(data: dict, owner_id: int, kind: str) -> CustomDashboard:
    _check(data, kind)
    board = CustomDashboard(kind=kind, owner_id=owner_id,
                            **{f: data[f] for f in FIELDS if f in data})
    db.session.add(board)
    db.session.flush()
    return board


def update(board: CustomDashboard, data: dict) -> CustomDashboard:
    merged = {f: data.get(f, getattr(board, f)) for f in ("widgets", "variables")}
    _check({**data, **merged}, board.kind)
    for name in FIELDS:
        if name in data:
            setattr(board, name, data[name])
    return board


def _check(data: dict, kind: str) -> None:
    widgets = data.get("widgets", [])
    if len(widgets) > widget_model.MAX_WIDGETS:
        raise bad_request(f"widgets: at most {widget_model.MAX_WIDGETS}", "widgets")
    if kind == "chart" and (len(widgets) != 1 or widgets[0]["type"] != "timeseries"):
        raise bad_request("widgets: a chart is one timeseries widget", "widgets")
    widget_model.check_bindings(widgets, data.get("variables", []))


def publish(board: CustomDashboard) -> str:
    """A new public link; any earlier one stops working. The link is 256 random bits looked up
    here, so revoking it is immediate (a signed token would stay valid until it expired)."""
    board.public_link = secrets.token_urlsafe(32)
    return board.public_link


def unpublish(board: CustomDashboard) -> None:
    board.public_link = None


def by_public_link(token: str) -> CustomDashboard:
    board = db.session.scalar(select(CustomDashboard).where(
        CustomDashboard.public_link == token)) if token else None
    if board is None:
        raise not_found("dashboard")
    return board


def set_home(user_id: int, board: CustomDashboard | None) -> None:
    home = db.session.get(HomeDashboard, user_id)
    if board is None:
        if home is not None:
            db.session.delete(home)
    elif home is None:
        db.session.add(HomeDashboard(user_id=user_id, dashboard_id=board.id))
    else:
        home.dashboard_id = board.id


def home_of(user_id: int) -> int | None:
    home = db.session.get(HomeDashboard, user_id)
    return home.dashboard_id if home else None


def to_dict(board: CustomDashboard, principal=None, public: bool = False) -> dict:
    body = {"id": board.id, "kind": board.kind, "title": board.title,
            "description": board.description, "widgets": board.widgets,
            "variables": board.variables, "time_range": board.time_range,
            "refresh_s": board.refresh_s, "updated_at": iso(board.updated_at)}
    if public:
        return {**body, "editable": False}
    return {**body, "owner_id": board.owner_id, "shared_roles": board.shared_roles,
            "public_link": board.public_link, "created_at": iso(board.created_at),
            "editable": principal is not None and (board.owner_id == principal.id
                                                   or principal.can("admin"))}


def export(board: CustomDashboard) -> dict:
    """A portable document: no ids of this installation but the devices and groups it binds."""
    return {"version": EXPORT_VERSION, "kind": board.kind,
            "dashboard": {f: getattr(board, f) for f in FIELDS if f != "shared_roles"}}


def import_document(document: dict) -> dict:
    if not isinstance(document, dict) or document.get("version") != EXPORT_VERSION:
        raise bad_request(f"version: must be {EXPORT_VERSION}", "version")
    if not isinstance(document.get("dashboard"), dict):
        raise bad_request("dashboard: an object is required", "dashboard")
    return document["dashboard"]
