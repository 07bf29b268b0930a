"""Alert rules, alarms (one open per originator and type) and anomaly flags on readings."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only


class AlertRule(Base):
    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    alarm_type: Mapped[str] = mapped_column(String(64), unique=True)  # slug of the name
    kind: Mapped[str] = mapped_column(String(16))  # threshold, no_data, anomaly
    scope_type: Mapped[str] = mapped_column(String(16))  # device_id, device_type, domain, asset_id
    scope_value: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(64))
    operator: Mapped[str | None] = mapped_column(String(2))
    value: Mapped[float | None] = mapped_column(Float)
    clear_value: Mapped[float | None] = mapped_column(Float)
    for_duration_s: Mapped[int] = mapped_column(Integer, default=0)
    severity: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    silent_s: Mapped[int | None] = mapped_column(Integer)
    half_life_s: Mapped[float | None] = mapped_column(Float)
    z_threshold: Mapped[float | None] = mapped_column(Float)
    warmup: Mapped[int | None] = mapped_column(Integer)
    notify: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AlertRulesVersion(Base):
    """One row counting rule changes, so every process's engine notices them per batch."""

    __tablename__ = "alert_rules_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Alarm(Base):
    __tablename__ = "alarms"
    __table_args__ = (
        # The database, not the engine, guarantees one open alarm per originator and type.
        Index("uq_alarms_open", "originator_type", "originator_id", "type", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
        Index("ix_alarms_originator", "originator_type", "originator_id"),
        Index("ix_alarms_active_severity", "active", "severity"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    originator_type: Mapped[str] = mapped_column(String(16))  # device, asset, system
    originator_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="SET NULL"), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    domain: Mapped[str | None] = mapped_column(String(32), index=True)
    details: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    value: Mapped[float | None] = mapped_column(Float)
    peak_value: Mapped[float | None] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[int] = mapped_column(BigInteger)  # epoch ms
    last_seen: Mapped[int] = mapped_column(BigInteger)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acked_by: Mapped[str | None] = mapped_column(String(64))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AnomalyFlag(Base):
    """A reading an anomaly rule judged abnormal (filters history with anomalies_only)."""

    __tablename__ = "anomaly_flags"
    __table_args__ = (PrimaryKeyConstraint("device_id", "key", "ts", "rule_id"),)

    device_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    ts: Mapped[int] = mapped_column(BigInteger, index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"),
                                         index=True)
    score: Mapped[float] = mapped_column(Float)
