from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.database import Base


class BrokerAccountChange(Base):
    """A device whose broker account must be brought in line with the registry.

    `secret` is the device's new API key, encrypted (the registry keeps only its hash, and the
    broker needs the key itself); None when the key did not change.
    """

    __tablename__ = "broker_account_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))  # "sync" | "delete"
    secret: Mapped[str | None] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
