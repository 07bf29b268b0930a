"""The delivery log: one row per alarm event, channel and target, updated by every attempt;
people's notification preferences, their held (digest) alarms and their Web Push subscriptions."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow

CHANNELS = ("webhook", "email", "sms", "push", "chat")
USER_CHANNELS = ("email", "sms", "push", "chat")  # what a person may choose for themselves
DIGESTS = ("immediate", "hourly", "daily")
CHAT_STYLES = ("slack", "teams")
STATUSES = ("pending", "delivered", "failed")


class NotificationDelivery(Base):
    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    # No foreign keys: the log outlives deleted rules and alarms.
    alarm_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # a person's own notification
    rule_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    # webhook or chat URL, e-mail address, phone number (E.164) or push endpoint
    target: Mapped[str] = mapped_column(String(2048))
    action: Mapped[str] = mapped_column(String(16))  # created, updated, acked, cleared, digest
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)  # HTTP or SMTP reply code
    payload: Mapped[dict] = mapped_column(JSONDoc, default=dict)  # the event, as first seen
    # The rule's webhook secret at event time; signs every attempt, never leaves the server.
    secret: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[int | None] = mapped_column(BigInteger)  # epoch ms; None when done
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    """What one person wants to hear about, how and when. No row: they get nothing."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    channels: Mapped[list] = mapped_column(JSONDoc, default=list)  # of USER_CHANNELS
    min_severity: Mapped[str] = mapped_column(String(16), default="major")
    domains: Mapped[list] = mapped_column(JSONDoc, default=list)  # empty: every domain
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" local; None: no quiet
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA name
    digest: Mapped[str] = mapped_column(String(16), default="immediate")  # of DIGESTS
    daily_at: Mapped[str] = mapped_column(String(5), default="08:00")  # local, daily digests
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164, for SMS
    chat_url: Mapped[str | None] = mapped_column(String(2048))  # Slack/Teams incoming webhook
    chat_style: Mapped[str] = mapped_column(String(16), default="slack")
    last_digest_at: Mapped[int | None] = mapped_column(BigInteger)  # epoch ms
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DigestItem(Base):
    """An alarm event held for a person's next digest (digest chosen, or quiet hours)."""

    __tablename__ = "notification_digest_items"
    __table_args__ = (Index("ix_notification_digest_items_pending", "user_id", "sent_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    alarm_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    payload: Mapped[dict] = mapped_column(JSONDoc, default=dict)  # the event
    created_at: Mapped[int] = mapped_column(BigInteger)  # epoch ms
    # Set when a digest took it; kept a while so that repeats are not held again (see people.py)
    sent_at: Mapped[int | None] = mapped_column(BigInteger)


class PushSubscription(Base):
    """A browser's Web Push subscription (PushSubscription.toJSON()), owned by its user."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))  # base64url P-256 public key
    auth: Mapped[str] = mapped_column(String(64))  # base64url 16-byte auth secret
    user_agent: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
