"""Analytics tables: every issued forecast, kept to be scored when its hours have passed; report
subscriptions, a city report sent daily or weekly by e-mail or webhook."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc, UTCDateTime, utcnow


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


class ForecastRun(Base):
    """One method's forecast of a device-key, issued at the start of its first hour.

    The rows of one issue (same device, key, issued, horizon, history and backtest days) are
    one per method; `chosen` marks the one `auto` picked. A GET within the same hour answers
    from them (the cache); scoring fills `actual` once every forecast hour has passed.
    """

    __tablename__ = "forecast_runs"
    __table_args__ = (
        UniqueConstraint("device_id", "key", "issued", "horizon_h", "history_days",
                         "backtest_days", "method", name="uq_forecast_runs_issue"),
        Index("ix_forecast_runs_series", "device_id", "key", "issued"),
        Index("ix_forecast_runs_unscored", "scored_at", "issued"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))  # the API's name
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    issued: Mapped[int] = mapped_column(BigInteger)  # epoch ms, start of the first hour
    horizon_h: Mapped[int] = mapped_column(Integer)
    history_days: Mapped[int] = mapped_column(Integer)
    backtest_days: Mapped[int] = mapped_column(Integer)
    level: Mapped[float] = mapped_column(Float)
    coverage: Mapped[float] = mapped_column(Float)  # share of history hours with readings
    scale: Mapped[float | None] = mapped_column(Float)  # MASE scale: in-sample seasonal naive MAE
    points: Mapped[list] = mapped_column(JSONDoc)  # [{ts, value, lower, upper}]
    backtest: Mapped[dict] = mapped_column(JSONDoc)  # this method's backtest scores
    actual: Mapped[list | None] = mapped_column(JSONDoc)  # hourly means, None where missing
    created_at: Mapped[int] = mapped_column(BigInteger)
    scored_at: Mapped[int | None] = mapped_column(BigInteger)
