"""One table for dashboards and charts (a chart is a dashboard of kind "chart" with one widget),
and each user's home dashboard."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow


class CustomDashboard(Base):
    __tablename__ = "custom_dashboards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="dashboard")  # dashboard | chart
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    widgets: Mapped[list] = mapped_column(JSONDoc, default=list)
    variables: Mapped[list] = mapped_column(JSONDoc, default=list)
    time_range: Mapped[str] = mapped_column(String(16), default="-24h")
    refresh_s: Mapped[int] = mapped_column(Integer, default=0)  # 0: live only
    shared_roles: Mapped[list] = mapped_column(JSONDoc, default=list)  # read-only for these
    # The nonce a public link carries; None: no public link. Revoking replaces or clears it, so
    # every link handed out before stops working at once.
    public_link: Mapped[str | None] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class HomeDashboard(Base):
    __tablename__ = "home_dashboards"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    dashboard_id: Mapped[int] = mapped_column(
        ForeignKey("custom_dashboards.id", ondelete="CASCADE"))
