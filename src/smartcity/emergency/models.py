"""Emergency incidents (one lifecycle timestamp per status) and public alerts (CAP 1.2)."""

from sqlalchemy import BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc


class EmergencyIncident(Base):
    __tablename__ = "emergency_incidents"
    __table_args__ = (Index("ix_emergency_incidents_status", "status", "reported_ms"),
                      Index("ix_emergency_incidents_unit", "unit_id", "status"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))  # fire | medical | police | hazmat | flood
    priority: Mapped[int] = mapped_column(Integer)  # 1 (highest) .. 5
    status: Mapped[str] = mapped_column(String(16))  # reported .. resolved
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    district_id: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(512))
    unit_id: Mapped[str | None] = mapped_column(String(64))  # the dispatched vehicle device
    route: Mapped[dict | None] = mapped_column(JSONDoc)  # the unit's route when dispatched
    created_by: Mapped[str | None] = mapped_column(String(128))
    reported_ms: Mapped[int] = mapped_column(BigInteger)
    dispatched_ms: Mapped[int | None] = mapped_column(BigInteger)
    en_route_ms: Mapped[int | None] = mapped_column(BigInteger)
    on_scene_ms: Mapped[int | None] = mapped_column(BigInteger)
    resolved_ms: Mapped[int | None] = mapped_column(BigInteger)


class PublicAlert(Base):
    __tablename__ = "emergency_alerts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event: Mapped[str] = mapped_column(String(128))
    headline: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(String(2000))
    instruction: Mapped[str | None] = mapped_column(String(2000))
    category: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    area: Mapped[dict] = mapped_column(JSONDoc)  # {description, polygon: [[lat, lon], ...]}
    created_by: Mapped[str | None] = mapped_column(String(128))
    sent_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
