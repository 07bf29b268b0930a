from flask import Blueprint, current_app, g, request
from sqlalchemy import select

from smartcity.audit.service import record
from smartcity.auth.guard import require_role, require_user
from smartcity.auth.service import get_user
from smartcity.extensions import db
from smartcity.http import json_body
from smartcity.notifications import people, service
from smartcity.notifications.dispatcher import get_dispatcher
from smartcity.notifications.models import NotificationDelivery, PushSubscription
from smartcity.notifications.schemas import (
    preferences_schema,
    push_endpoint_schema,
    push_subscription_schema,
)
from smartcity.pagination import page_response, paginate
from smartcity.validation import load

bp = Blueprint("notifications", __name__, url_prefix="/api/notifications")


@bp.get("/log")
@require_role("admin")
def list_log():
    """List notification deliveries, newest first (filters: status, channel, alarm, rule, user)."""
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


me_bp = Blueprint("my_notifications", __name__, url_prefix="/api/users/me")


def _me():
    return get_user(g.principal.id)


@me_bp.get("/notifications")
@require_user
def get_preferences():
    """Show my notification preferences and which channels this server offers."""
    return people.preferences_of(_me())


@me_bp.put("/notifications")
@require_user
def put_preferences():
    """Set my notification preferences: channels, minimum severity, domains, quiet hours, digest."""
    data = load(preferences_schema, json_body())
    user = _me()
    people.save_preferences(user, data)
    record("notification.preferences_updated", "user", user.id, {"fields": sorted(data)})
    db.session.commit()
    return people.preferences_of(user)


@me_bp.get("/push-subscriptions")
@require_user
def list_push_subscriptions():
    """List the browsers that receive my Web Push notifications."""
    subs = db.session.scalars(select(PushSubscription).where(
        PushSubscription.user_id == g.principal.id).order_by(PushSubscription.id))
    return {"items": [people.push_subscription_to_dict(s) for s in subs]}


@me_bp.post("/push-subscriptions")
@require_user
def add_push_subscription():
    """Subscribe this browser to my Web Push notifications (its PushSubscription.toJSON())."""
    data = load(push_subscription_schema, json_body())
    sub = people.subscribe_push(_me(), data, request.headers.get("User-Agent"))
    db.session.commit()
    return people.push_subscription_to_dict(sub), 201


@me_bp.delete("/push-subscriptions")
@require_user
def delete_push_subscription():
    """Stop Web Push notifications to one browser ({"endpoint": ...})."""
    people.unsubscribe_push(_me(), load(push_endpoint_schema, json_body())["endpoint"])
    db.session.commit()
    return "", 204
