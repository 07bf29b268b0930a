"""Assets: things that are not devices, with a GeoJSON geometry, properties and a parent."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow


class Asset(Base):
    __tablename__ = "assets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # "district-3", "seg-12"
    type: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(128))
    geometry: Mapped[dict | None] = mapped_column(JSONDoc)  # a GeoJSON geometry object
    properties: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
