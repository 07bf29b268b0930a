"""Alarm notifications to people, by their preferences: at once, or held for a digest.

A person hears of an alarm when it is created and when its severity changes (not of every
repeat, ack or clear: rules' own webhooks and e-mails carry those). Each event that passes their
filter (preferences.wants) becomes one delivery per chosen channel in the delivery log (user_id
set), or, under a digest or in quiet hours, one held DigestItem; the "notification_digests"
scheduler job turns due items into one "digest" delivery per channel.
"""

import logging
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, func, select, update

from smartcity.auth.models import User
from smartcity.errors import bad_request, not_found
from smartcity.extensions import db
from smartcity.notifications import email, preferences, push, sms
from smartcity.notifications.models import (
    DigestItem,
    NotificationDelivery,
    NotificationPreference,
    PushSubscription,
)
from smartcity.timeutil import iso, now_ms

log = logging.getLogger(__name__)
T = NotificationDelivery
P = NotificationPreference
DIGEST_MAX_ALARMS = 50  # a digest lists this many alarms and counts the rest


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def targets(config, pref: NotificationPreference, user: User) -> list[dict]:
    """[{channel, target, style}] for the person's channels that can be reached now."""
    found = []
    for channel in pref.channels or []:
        if channel == "email" and user.email and email.enabled(config):
            found.append({"channel": "email", "target": user.email})
        elif channel == "sms" and pref.phone and sms.enabled(config):
            found.append({"channel": "sms", "target": pref.phone})
        elif channel == "chat" and pref.chat_url:
            found.append({"channel": "chat", "target": pref.chat_url, "style": pref.chat_style})
        elif channel == "push" and push.vapid(config) is not None:
            found += [{"channel": "push", "target": endpoint} for endpoint in db.session.scalars(
                select(PushSubscription.endpoint).where(PushSubscription.user_id == user.id)
                .order_by(PushSubscription.id))]
    return found


def delivery_rows(config, pref, user, action: str, event: dict, alarm_id, rule_id,
                  now: int) -> list[NotificationDelivery]:
    rows = []
    for t in targets(config, pref, user):
        payload = {**event, "chat_style": t["style"]} if "style" in t else event
        rows.append(T(alarm_id=alarm_id, rule_id=rule_id, user_id=user.id, action=action,
                      channel=t["channel"], target=t["target"], payload=payload,
                      status="pending", attempts=0, next_attempt_at=now))
    return rows


def _previous_severities(alarm_id) -> dict[int, str]:
    """Per person, the severity of the alarm when they were last told of it (sent or held)."""
    seen: dict[int, tuple[int, str]] = {}
    for model, order in ((T, T.id), (DigestItem, DigestItem.id)):
        for user_id, ident, payload in db.session.execute(
                select(model.user_id, order, model.payload)
                .where(model.alarm_id == alarm_id, model.user_id.is_not(None))):
            when = (payload.get("alarm") or {}).get("last_seen") or ""
            key = (str(when), ident)
            if user_id not in seen or key > seen[user_id][0]:
                seen[user_id] = (key, (payload.get("alarm") or {}).get("severity"))
    return {user_id: severity for user_id, (_key, severity) in seen.items()}


def enqueue(app, action: str, alarm: dict, rule: dict | None, event: dict,
            now: int | None = None) -> list[NotificationDelivery]:
    """Queue this alarm event for everyone whose preferences ask for it (caller commits).
    Returns the deliveries created (held items are not among them)."""
    if action not in ("created", "updated"):
        return []
    now = now_ms() if now is None else now
    prefs = db.session.execute(select(P, User).join(User, User.id == P.user_id).where(
        P.enabled.is_(True), User.is_active.is_(True))).all()
    prefs = [(p, u) for p, u in prefs if preferences.wants(p, alarm)]
    if not prefs:
        return []
    previous = _previous_severities(alarm.get("id")) if action == "updated" else {}
    created = []
    for pref, user in prefs:
        if action == "updated" and previous.get(user.id) == alarm.get("severity"):
            continue  # a repeat at the severity they know of
        if preferences.route(pref, _at(now)) == "digest":
            db.session.add(DigestItem(user_id=user.id, alarm_id=alarm.get("id"), payload=event,
                                      created_at=now))
            continue
        rows = delivery_rows(app.config, pref, user, action, event, alarm.get("id"),
                             (rule or {}).get("id"), now)
        db.session.add_all(rows)
        created += rows
    db.session.flush()
    return created


def digest_event(items: list[DigestItem], kind: str) -> dict:
    """{"event": "alarm.digest", "digest", "count", "alarms": [newest state of each alarm]}."""
    latest: dict = {}
    for item in sorted(items, key=lambda i: i.id):
        alarm = item.payload.get("alarm") or {}
        latest[alarm.get("id", f"item-{item.id}")] = alarm
    alarms = sorted(latest.values(), key=lambda a: (preferences.RANK.get(a.get("severity"), 9),
                                                    str(a.get("last_seen") or "")))
    return {"event": "alarm.digest", "digest": kind, "count": len(alarms),
            "alarms": alarms[:DIGEST_MAX_ALARMS]}


def send_digests(app, now: int | None = None) -> dict:
    """Scheduler job: turn each person's due held events into one digest per channel."""
    now = now_ms() if now is None else now
    pending = DigestItem.sent_at.is_(None)
    users = db.session.scalars(select(DigestItem.user_id).where(pending).distinct()).all()
    sent = {"digests": 0, "deliveries": 0, "held": 0}
    for user_id in users:
        pref, user = db.session.get(P, user_id), db.session.get(User, user_id)
        mine = (DigestItem.user_id == user_id, pending)
        if pref is None or user is None or not pref.enabled or not user.is_active:
            db.session.execute(delete(DigestItem).where(*mine))  # they opted out meanwhile
            db.session.commit()
            continue
        items = db.session.scalars(select(DigestItem).where(*mine).order_by(DigestItem.id)).all()
        if not items:
            continue
        if not preferences.digest_due(pref, _at(now), min(i.created_at for i in items)):
            sent["held"] += len(items)
            continue
        ids = [i.id for i in items]
        # Of two processes running the job at once, the one that marks the items sends.
        if db.session.execute(update(DigestItem).where(DigestItem.id.in_(ids), pending)
                              .values(sent_at=now)).rowcount != len(ids):
            db.session.rollback()
            continue
        event = digest_event(items, pref.digest)
        rows = delivery_rows(app.config, pref, user, "digest", event, None, None, now)
        db.session.add_all(rows)
        pref.last_digest_at = now
        db.session.commit()
        sent["digests"] += 1
        sent["deliveries"] += len(rows)
    # Sent items are kept a week: long enough to know which severity people were told of.
    db.session.execute(delete(DigestItem).where(DigestItem.sent_at < now - 7 * 86_400_000))
    db.session.commit()
    return sent


# -- a person's own settings (the /api/users/me routes) -------------------------------------

PREFERENCE_FIELDS = tuple(preferences.DEFAULTS)


def available(config, user: User) -> dict:
    """Which channels this server can use for this person, and why not when it cannot."""
    if not email.enabled(config):
        mail = "e-mail is not configured on this server"
    else:
        mail = None if user.email else "your account has no e-mail address"
    return {"email": mail,
            "sms": None if sms.enabled(config) else "SMS is not configured on this server",
            "push": None if push.vapid(config) else "Web Push is not configured on this server",
            "chat": None}


def preferences_of(user: User) -> dict:
    pref = db.session.get(P, user.id)
    values = {name: getattr(pref, name) for name in PREFERENCE_FIELDS} if pref else dict(
        preferences.DEFAULTS)
    config = current_app.config
    reasons = available(config, user)
    if pref is None:  # offer e-mail by default only where it can be sent
        values["channels"] = [c for c in values["channels"] if reasons[c] is None]
    return {**values, "last_digest_at": iso(pref.last_digest_at) if pref else None,
            "held": db.session.scalar(select(func.count()).select_from(DigestItem).where(
                DigestItem.user_id == user.id, DigestItem.sent_at.is_(None))),
            "channels_available": {c: reasons[c] is None for c in reasons},
            "channels_unavailable_reason": {c: r for c, r in reasons.items() if r},
            "vapid_public_key": push.public_key(config),
            "push_subscriptions": db.session.scalar(select(func.count()).select_from(
                PushSubscription).where(PushSubscription.user_id == user.id))}


def save_preferences(user: User, data: dict) -> NotificationPreference:
    """Merge `data` over the stored (or default) preferences, check the whole, store it."""
    pref = db.session.get(P, user.id)
    if pref is None:
        pref = P(user_id=user.id, **preferences.DEFAULTS)
        pref.enabled = True
        db.session.add(pref)
    merged = {name: getattr(pref, name) for name in PREFERENCE_FIELDS} | data
    merged["channels"] = list(dict.fromkeys(merged["channels"] or []))
    merged["domains"] = list(dict.fromkeys(merged["domains"] or []))
    if bool(merged["quiet_start"]) != bool(merged["quiet_end"]):
        raise bad_request("give both quiet_start and quiet_end, or neither",
                          "quiet_end" if merged["quiet_start"] else "quiet_start")
    if merged["quiet_start"] and merged["quiet_start"] == merged["quiet_end"]:
        raise bad_request("quiet hours must not start and end at the same time", "quiet_end")
    reasons = available(current_app.config, user)
    for channel in merged["channels"]:
        if reasons.get(channel):
            raise bad_request(f"{channel}: {reasons[channel]}", "channels")
    if "sms" in merged["channels"] and not merged["phone"]:
        raise bad_request("a phone number is needed for SMS", "phone")
    if "chat" in merged["channels"] and not merged["chat_url"]:
        raise bad_request("a chat webhook URL is needed for chat", "chat_url")
    for name, value in merged.items():
        setattr(pref, name, value)
    return pref


def subscribe_push(user: User, data: dict, user_agent: str | None) -> PushSubscription:
    """Store this browser's subscription for the user (a browser signed in as someone else
    before hands its endpoint over: it is one browser, it notifies whoever uses it now)."""
    sub = db.session.scalar(select(PushSubscription).where(
        PushSubscription.endpoint == data["endpoint"]))
    if sub is None:
        sub = PushSubscription(endpoint=data["endpoint"])
        db.session.add(sub)
    sub.user_id = user.id
    sub.p256dh, sub.auth = data["keys"]["p256dh"], data["keys"]["auth"]
    sub.user_agent = (user_agent or "")[:256] or None
    db.session.flush()
    return sub


def unsubscribe_push(user: User, endpoint: str) -> None:
    removed = db.session.execute(delete(PushSubscription).where(
        PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id)).rowcount
    if not removed:
        raise not_found("push subscription")


def push_subscription_to_dict(sub: PushSubscription) -> dict:
    return {"id": sub.id, "endpoint": sub.endpoint, "user_agent": sub.user_agent,
            "created_at": iso(sub.created_at)}
