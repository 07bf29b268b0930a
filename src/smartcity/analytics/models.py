"""Report subscriptions: a city report sent daily or weekly by e-mail or webhook."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, UTCDateTime, utcnow


class ReportSchedule(Base):
    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    cadence: Mapped[str] = mapped_column(String(8))  # daily | weekly
    period: Mapped[str] = mapped_column(String(8))  # day | week | month: what the report covers
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    target: Mapped[str] = mapped_column(String(2048))  # address or URL
    secret: Mapped[str | None] = mapped_column(String(256))  # signs webhooks; never shown
    format: Mapped[str] = mapped_column(String(8), default="pdf")  # e-mail attachment: pdf | csv
    hour: Mapped[int] = mapped_column(Integer, default=6)  # UTC hour it is sent
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # weekly: 0 Monday .. 6 Sunday
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    last_run_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_delivery_id: Mapped[int | None] = mapped_column(BigInteger)  # notification_deliveries
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
