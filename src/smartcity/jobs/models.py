from sqlalchemy import BigInteger, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base, JSONDoc


class JobRun(Base):
    """The lease and last outcome of a periodic job, shared by every process."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_started: Mapped[int] = mapped_column(BigInteger, default=0)  # epoch ms
    last_finished: Mapped[int | None] = mapped_column(BigInteger)
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_duration_ms: Mapped[float | None] = mapped_column(Float)
    last_result: Mapped[dict | None] = mapped_column(JSONDoc)
