from flask import Blueprint, request
from sqlalchemy import select

from smartcity.audit.models import AuditEntry
from smartcity.audit.service import to_dict
from smartcity.auth.guard import require_role
from smartcity.extensions import db
from smartcity.pagination import page_response, paginate
from smartcity.timeutil import parse_datetime

bp = Blueprint("audit", __name__, url_prefix="/api/audit")


@bp.get("")
@require_role("admin")
def list_audit():
    """List audit entries, newest first (filter by action, actor, target, start, end)."""
    stmt = select(AuditEntry)
    for arg, column in (("action", AuditEntry.action), ("actor", AuditEntry.actor_name),
                        ("target_type", AuditEntry.target_type),
                        ("target_id", AuditEntry.target_id)):
        if request.args.get(arg):
            stmt = stmt.where(column == request.args[arg])
    if request.args.get("start"):
        stmt = stmt.where(AuditEntry.ts >= parse_datetime(request.args["start"], "start"))
    if request.args.get("end"):
        stmt = stmt.where(AuditEntry.ts < parse_datetime(request.args["end"], "end"))
    rows, cursor = paginate(db.session, stmt, [AuditEntry.id], descending=True)
    return page_response([to_dict(r) for r in rows], cursor)
