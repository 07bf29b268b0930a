from flask import Blueprint, g
from sqlalchemy import select

from smartcity.audit.service import record
from smartcity.auth import service
from smartcity.auth.guard import require_role
from smartcity.auth.models import ServiceAccount
from smartcity.auth.schemas import service_account_create_schema
from smartcity.database import utcnow
from smartcity.extensions import db
from smartcity.http import json_body, no_store
from smartcity.pagination import page_response, paginate

bp = Blueprint("service_accounts", __name__, url_prefix="/api/service-accounts")
bp.after_request(no_store)


@bp.get("")
@require_role("admin")
def list_service_accounts():
    """List service accounts."""
    rows, cursor = paginate(db.session, select(ServiceAccount), [ServiceAccount.id])
    return page_response([service.service_account_to_dict(a) for a in rows], cursor)


@bp.post("")
@require_role("admin")
def create_service_account():
    """Create a service account; its token is returned this once only."""
    data = service_account_create_schema.load(json_body())
    user_id = g.principal.id if g.principal.kind == "user" else None
    account, token = service.create_service_account(data, user_id)
    record("service_account.created", "service_account", account.id, {"role": account.role})
    db.session.commit()
    return {**service.service_account_to_dict(account), "token": token}, 201


@bp.get("/<int:account_id>")
@require_role("admin")
def get_service_account(account_id):
    """Show a service account."""
    return service.service_account_to_dict(service.get_service_account(account_id))


@bp.delete("/<int:account_id>")
@require_role("admin")
def revoke_service_account(account_id):
    """Revoke a service account's token at once."""
    account = service.get_service_account(account_id)
    if account.revoked_at is None:
        account.revoked_at = utcnow()
        record("service_account.revoked", "service_account", account.id)
        db.session.commit()
    return service.service_account_to_dict(account)
