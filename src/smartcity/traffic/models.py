"""Traffic incidents (they take capacity off a road segment) and the signal plans sent."""

from sqlalchemy import BigInteger, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc


class TrafficIncident(Base):
    __tablename__ = "traffic_incidents"
    __table_args__ = (Index("ix_traffic_incidents_status", "status", "created_ms"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(64), index=True)  # a road_segment asset
    type: Mapped[str] = mapped_column(String(16))  # accident | roadworks | closure | ...
    severity: Mapped[str] = mapped_column(String(16))  # minor | major | critical
    capacity_share: Mapped[float] = mapped_column(Float)  # capacity left: 0 = closed
    description: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    location: Mapped[dict | None] = mapped_column(JSONDoc)  # {"lat", "lon"}
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)
    resolved_ms: Mapped[int | None] = mapped_column(BigInteger)


class SignalPlan(Base):
    __tablename__ = "traffic_signal_plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    junction_id: Mapped[str] = mapped_column(String(64), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    command_id: Mapped[str] = mapped_column(String(32))  # the apply_plan command tracking it
    plan: Mapped[dict] = mapped_column(JSONDoc)  # {cycle_s, greens_s, flows, ...}
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_ms: Mapped[int] = mapped_column(BigInteger)
