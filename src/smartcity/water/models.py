"""Isolations: the valve commands sent to close (or reopen) a DMA, each command tracked."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow


class Isolation(Base):
    __tablename__ = "water_isolations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dma_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))  # close | open
    # [{"device_id", "command_id", "position"}]: one set_position command per valve
    valves: Mapped[list] = mapped_column(JSONDoc, default=list)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
