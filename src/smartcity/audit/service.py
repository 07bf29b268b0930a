from flask import g, has_request_context, request

from smartcity.audit.models import AuditEntry
from smartcity.extensions import db
from smartcity.timeutil import iso


def record(action: str, target_type: str | None = None, target_id=None, details=None,
           actor=None) -> None:
    """Add an audit entry to the current session; the caller's commit persists it."""
    principal = actor or (g.get("principal") if has_request_context() else None)
    entry = AuditEntry(
        actor_type=principal.kind if principal else "system",
        actor_id=str(principal.id) if principal else None,
        actor_name=principal.name if principal else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        ip=request.remote_addr if has_request_context() else None,
        details=details or {},
    )
    db.session.add(entry)


def to_dict(entry: AuditEntry) -> dict:
    return {"id": entry.id, "ts": iso(entry.ts), "actor_type": entry.actor_type,
            "actor_id": entry.actor_id, "actor_name": entry.actor_name, "action": entry.action,
            "target_type": entry.target_type, "target_id": entry.target_id, "ip": entry.ip,
            "details": entry.details}
