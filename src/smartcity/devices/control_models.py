"""Groups, attributes (server, desired, reported) and commands of devices."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow


class DeviceGroup(Base):
    __tablename__ = "device_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default="static")  # static | filter
    filter: Mapped[dict] = mapped_column(JSONDoc, default=dict)  # type, domain, asset_id, metadata
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeviceGroupMember(Base):
    __tablename__ = "device_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("device_groups.id", ondelete="CASCADE"), primary_key=True)
    device_id: Mapped[str] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True, index=True)


class DeviceAttributes(Base):
    __tablename__ = "device_attributes"

    device_id: Mapped[str] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    server: Mapped[dict] = mapped_column(JSONDoc, default=dict)  # never sent to the device
    desired: Mapped[dict] = mapped_column(JSONDoc, default=dict)  # sent to the device
    desired_version: Mapped[int] = mapped_column(Integer, default=0)
    desired_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported: Mapped[dict] = mapped_column(JSONDoc, default=dict)  # what the device says it has
    reported_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Command(Base):
    __tablename__ = "device_commands"
    __table_args__ = (Index("ix_device_commands_device_created", "device_id", "created_ms"),
                      Index("ix_device_commands_status_expires", "status", "expires_ms"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
    sent_ms: Mapped[int | None] = mapped_column(BigInteger)
    delivered_ms: Mapped[int | None] = mapped_column(BigInteger)
    completed_ms: Mapped[int | None] = mapped_column(BigInteger)
    result: Mapped[dict | None] = mapped_column(JSONDoc)
    error: Mapped[str | None] = mapped_column(String(512))
