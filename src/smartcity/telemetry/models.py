"""Telemetry tables (SQLAlchemy Core: the hot path never builds ORM objects).

On PostgreSQL `telemetry` is range-partitioned by ts (see migration 0002 and partitions.py).
"""

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from smartcity.database import Base

metadata = Base.metadata

telemetry_keys = Table(
    "telemetry_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
)

telemetry = Table(
    "telemetry", metadata,
    Column("device_id", String(64), nullable=False),
    Column("key_id", Integer, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("value", Float),
    Column("text_value", Text),
    PrimaryKeyConstraint("device_id", "key_id", "ts"),
)

telemetry_latest = Table(
    "telemetry_latest", metadata,
    Column("device_id", String(64), nullable=False),
    Column("key_id", Integer, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("value", Float),
    Column("text_value", Text),
    PrimaryKeyConstraint("device_id", "key_id"),
)


def _rollup(name: str, *extra) -> Table:
    return Table(
        name, metadata,
        Column("device_id", String(64), nullable=False),
        Column("key_id", Integer, nullable=False),
        Column("bucket", BigInteger, nullable=False),  # bucket start, epoch ms
        Column("count", BigInteger, nullable=False),
        Column("sum", Float, nullable=False),
        Column("min", Float, nullable=False),
        Column("max", Float, nullable=False),
        PrimaryKeyConstraint("device_id", "key_id", "bucket"),
        *extra,
    )


telemetry_1m = _rollup("telemetry_1m")
# Fleet aggregates read one key over a time range for many devices: a covering index answers
# them from the index alone instead of walking the device-first primary key. The second (SQLite
# only) lists the devices that have a key (one seek each), so that a fleet holding all of them
# can skip the per-row device test (queries._device_test).
telemetry_1h = _rollup(
    "telemetry_1h",
    Index("ix_telemetry_1h_key_bucket", "key_id", "bucket", "device_id", "count", "sum", "min",
          "max"),
    Index("ix_telemetry_1h_key_device", "key_id", "device_id", "bucket").ddl_if(
        dialect="sqlite"))
SQLITE_ONLY_INDEXES = {"ix_telemetry_1h_key_device"}

ROLLUPS = {60_000: telemetry_1m, 3_600_000: telemetry_1h}  # bucket width (ms) -> table
