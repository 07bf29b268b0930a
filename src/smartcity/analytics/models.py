"""Every issued forecast, kept to be scored when its hours have passed."""

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc


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
