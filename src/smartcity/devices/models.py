from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow

# Safe inside MQTT topics. \Z, not $: "$" also matches before a trailing newline.
DEVICE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}\Z"


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (Index("ix_devices_type_domain", "type", "domain"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(32))
    domain: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")  # admin-set
    location: Mapped[dict | None] = mapped_column(JSONDoc)  # {"lat", "lon", "address"?}
    meta: Mapped[dict] = mapped_column("metadata", JSONDoc, default=dict)
    gateway_id: Mapped[str | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), index=True)
    asset_id: Mapped[str | None] = mapped_column(String(64), index=True)
    key_prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    # Explicit state a device reported (MQTT status / last will); None means "judge by last_seen".
    reported_state: Mapped[str | None] = mapped_column(String(16))
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
