"""Pooled PostgreSQL connections: no ping while in steady use, but a connection that died while
idle (database restart, failover) is replaced before a request sees it."""

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DisconnectionError

from smartcity import database
from smartcity.database import make_engine


@pytest.fixture
def pg_engine(database_url, postgresql_only):
    postgresql_only("the idle ping is for PostgreSQL pools")
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def test_a_connection_killed_while_idle_is_replaced(pg_engine, database_url, monkeypatch):
    first = backend_pid(pg_engine)
    killer = make_engine(database_url)
    with killer.begin() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": first})
    killer.dispose()
    monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)  # as if it had idled long enough
    with pg_engine.connect() as conn:
        assert conn.scalar(text("SELECT 1")) == 1
        assert conn.scalar(text("SELECT pg_backend_pid()")) != first


def test_a_connection_in_steady_use_is_not_pinged(pg_engine):
    raw = pg_engine.raw_connection()
    record = raw._connection_record
    dbapi_connection = raw.dbapi_connection
    raw.close()
    dbapi_connection.close()  # dead: a ping would notice
    record.info["used_at"] = time.monotonic()
    database._ping_if_idle(dbapi_connection, record, None)  # recently used: no round trip
    record.info["used_at"] = time.monotonic() - database.PING_AFTER_IDLE - 1
    with pytest.raises(DisconnectionError):
        database._ping_if_idle(dbapi_connection, record, None)
