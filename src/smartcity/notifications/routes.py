from flask import Blueprint, current_app, request

from smartcity.auth.guard import require_role
from smartcity.extensions import db
from smartcity.notifications import service
from smartcity.notifications.dispatcher import get_dispatcher
from smartcity.notifications.models import NotificationDelivery
from smartcity.pagination import page_response, paginate

bp = Blueprint("notifications", __name__, url_prefix="/api/notifications")


@bp.get("/log")
@require_role("admin")
def list_log():
    """List notification deliveries, newest first (filter by status, channel, alarm_id, rule_id)."""
    rows, cursor = paginate(db.session, service.list_query(request.args),
                            [NotificationDelivery.id], descending=True)
    return page_response([service.to_dict(r) for r in rows], cursor)


@bp.post("/log/<int:delivery_id>/retry")
@require_role("admin")
def retry_delivery(delivery_id: int):
    """Re-queue a failed delivery for a new round of attempts."""
    delivery = service.requeue(delivery_id)
    db.session.commit()
    get_dispatcher(current_app).wake()
    return service.to_dict(delivery), 202
