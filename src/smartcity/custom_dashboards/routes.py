"""/api/dashboards and /api/charts (one widget model), the home dashboard, public links."""

from flask import Blueprint, current_app, g, request

from smartcity.audit.service import record
from smartcity.auth.guard import require_user
from smartcity.custom_dashboards import data, service
from smartcity.custom_dashboards.schemas import dashboard_create, dashboard_update, home_schema
from smartcity.extensions import db
from smartcity.http import json_body

bp = Blueprint("custom_dashboards", __name__, url_prefix="/api")

KINDS = {"dashboards": "dashboard", "charts": "chart"}


def both(method: str, rule: str):
    """Route a view under /api/dashboards and /api/charts; it receives kind="dashboard"|"chart"."""
    def register(view):
        for prefix, kind in KINDS.items():
            bp.add_url_rule(f"/{prefix}{rule}", view_func=view, methods=[method],
                            defaults={"kind": kind})
        return view
    return register


@both("GET", "")
@require_user
def list_boards(kind):
    """Dashboards (or charts) the caller owns or that are shared with their role."""
    return {"items": [service.to_dict(b, g.principal)
                      for b in service.visible(g.principal, kind)]}


@both("POST", "")
@require_user
def create_board(kind):
    """Create a dashboard (widgets checked against the catalogue) or a one-widget chart."""
    board = service.create(dashboard_create.load(json_body()), g.principal.id, kind)
    record(f"{kind}.created", kind, board.id)
    db.session.commit()
    return service.to_dict(board, g.principal), 201


@both("GET", "/<int:board_id>")
@require_user
def get_board(kind, board_id):
    return service.to_dict(service.get_visible(board_id, g.principal, kind), g.principal)


@both("PUT", "/<int:board_id>")
@require_user
def update_board(kind, board_id):
    """Change a dashboard: owner or admin; shared users read only (403)."""
    board = service.get_editable(board_id, g.principal, kind)
    service.update(board, dashboard_update.load(json_body()))
    record(f"{kind}.updated", kind, board.id)
    db.session.commit()
    return service.to_dict(board, g.principal)


@both("DELETE", "/<int:board_id>")
@require_user
def delete_board(kind, board_id):
    board = service.get_editable(board_id, g.principal, kind)
    db.session.delete(board)
    record(f"{kind}.deleted", kind, board_id)
    db.session.commit()
    return "", 204


@both("GET", "/<int:board_id>/data")
@require_user
def board_data(kind, board_id):
    """Every widget's data in one answer (start, end, var.<name>)."""
    board = service.get_visible(board_id, g.principal, kind)
    return data.resolve(board, request.args, current_app)


@bp.get("/dashboards/<int:board_id>/export")
@require_user
def export_board(board_id):
    """The dashboard as a versioned JSON document, for import elsewhere."""
    return service.export(service.get_visible(board_id, g.principal, "dashboard"))


@bp.post("/dashboards/import")
@require_user
def import_board():
    """Create a dashboard owned by the caller from an exported document."""
    body = dashboard_create.load(service.import_document(json_body()))
    board = service.create(body, g.principal.id, "dashboard")
    record("dashboard.imported", "dashboard", board.id)
    db.session.commit()
    return service.to_dict(board, g.principal), 201


@bp.post("/dashboards/<int:board_id>/public-link")
@require_user
def publish_board(board_id):
    """A read-only link anyone can open; a new one replaces the old, which stops working."""
    board = service.get_editable(board_id, g.principal, "dashboard")
    token = service.publish(board)
    record("dashboard.published", "dashboard", board.id)
    db.session.commit()
    return {"token": token, "url": f"/public/dashboards/{token}"}, 201


@bp.delete("/dashboards/<int:board_id>/public-link")
@require_user
def unpublish_board(board_id):
    board = service.get_editable(board_id, g.principal, "dashboard")
    service.unpublish(board)
    record("dashboard.unpublished", "dashboard", board.id)
    db.session.commit()
    return "", 204


@bp.get("/public/dashboards/<token>")
def public_board(token):
    """A published dashboard and its data, without signing in; read-only."""
    board = service.by_public_link(token)
    return {"dashboard": service.to_dict(board, public=True),
            "data": data.resolve(board, request.args, current_app)}


@bp.get("/users/me/home-dashboard")
@require_user
def get_home():
    return {"dashboard_id": service.home_of(g.principal.id)}


@bp.put("/users/me/home-dashboard")
@require_user
def set_home():
    """Open this dashboard instead of the overview after signing in (null: the overview)."""
    chosen = home_schema.load(json_body())["dashboard_id"]
    board = service.get_visible(chosen, g.principal, "dashboard") if chosen else None
    service.set_home(g.principal.id, board)
    db.session.commit()
    return {"dashboard_id": chosen}
