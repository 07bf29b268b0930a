"""Collections: a vehicle's round over some bins, planned, driven, completed with its weight."""

from datetime import datetime

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow

STATUSES = ("planned", "in_progress", "completed", "cancelled")


class Collection(Base):
    __tablename__ = "waste_collections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vehicle_id: Mapped[str] = mapped_column(String(64), index=True)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    # [{"bin_id", "stream", "district", "weight_kg"?}] in the order the truck drives
    bins: Mapped[list] = mapped_column(JSONDoc, default=list)
    distance_km: Mapped[float | None] = mapped_column(Float)
    duration_h: Mapped[float | None] = mapped_column(Float)
    collected_kg: Mapped[float | None] = mapped_column(Float)
    route: Mapped[dict | None] = mapped_column(JSONDoc)  # GeoJSON LineString of the round
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual | optimiser | daily
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
