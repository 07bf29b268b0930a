"""The delivery log: one row per alarm event, channel and target, updated by every attempt."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow

CHANNELS = ("webhook", "email")
STATUSES = ("pending", "delivered", "failed")


class NotificationDelivery(Base):
    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    # No foreign keys: the log outlives deleted rules and alarms.
    alarm_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    rule_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(2048))  # webhook URL or e-mail address
    action: Mapped[str] = mapped_column(String(16))  # created, updated, acked, cleared
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
