"""SQLAlchemy 2 engine and session per application, and the declarative base."""

import fcntl
import os
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from flask import current_app, has_request_context, request
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

from smartcity.config import normalise_database_url

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_OUTAGES = (DisconnectionError, PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError,
            sqlite3.OperationalError, ConnectionError)


def unavailable(exc: BaseException) -> bool:
    """Did `exc` come from the database being down, restarting, busy or out of resources (retry
    later), rather than from what was written (a data error that no retry mends)?

    psycopg files connection loss, admin shutdown, "starting up", serialisation failures,
    deadlocks, cancelled statements and a full disk under OperationalError; SQLite files
    "database is locked" and I/O errors there.
    """
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig
    return isinstance(exc, _OUTAGES)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


JSONDoc = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection, _record):
    # We issue BEGIN ourselves (see _sqlite_begin), so the driver must not.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _safe_request() -> bool:
    """A GET/HEAD request: its transactions read, so they must not queue for the write lock.
    Code that writes during one ends its read first (Database.release), so that its write
    transaction starts with the write and never needs to upgrade a stale snapshot."""
    return has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")


def _sqlite_begin(conn):
    # IMMEDIATE takes the write lock up front: a deferred transaction that reads, then writes
    # after another connection committed, fails at once with SQLITE_BUSY_SNAPSHOT in WAL mode.
    # Pure readers (Database.reader) stay deferred so that they never wait for the lock.
    if conn.get_execution_options().get("read_only") or _safe_request():
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create an engine tuned for the backend the URL names."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        else:
            from sqlalchemy.pool import StaticPool

            engine = create_engine(
                url, connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "connect", _mark_used)
    event.listen(engine, "checkin", _mark_used)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


class WriterTurn:
    """Context manager: the telemetry writers of all processes on one SQLite file take turns.

    SQLite has one write lock, and a connection that finds it taken polls with growing sleeps
    (1, 2, 5, 10, ... 100 ms): with two workers whose writers commit back to back, one could
    lose the race again and again and its requests waited over 100 ms. Waiting on an flock
    instead, the kernel wakes the next writer the moment the lock is free. A no-op elsewhere.
    One instance per thread (flock does not exclude holders of the same descriptor)."""

    def __init__(self, engine: Engine):
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        self.path = f"{path}-writer.lock" if path and path != ":memory:" else None
        self.fd: int | None = None
        self.held = False

    def __enter__(self):
        if self.path is not None and not self.held:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            self.held = True
        return self

    def __exit__(self, *_exc):
        self.release()

    def release(self) -> None:
        """Let the next writer in (early, or again: a no-op once released)."""
        if self.held:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.held = False

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


PING_AFTER_IDLE = 10.0  # seconds


def _mark_used(_dbapi_connection, record) -> None:
    record.info["used_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    # pool_pre_ping would cost a round trip on every checkout, i.e. on every request. A
    # connection in steady use is known to be alive; only one idle for a while is pinged, so
    # that a database restart still costs no failed request.
    if time.monotonic() - record.info.get("used_at", 0.0) < PING_AFTER_IDLE:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception:
        raise DisconnectionError("stale pooled connection") from None


_AFTER_COMMIT = "smartcity.after_commit"


def after_commit(session, key, fn: Callable[[], None]) -> None:
    """Run fn() once `session`'s transaction commits; forget it if it rolls back. Keyed, so
    that marking the same thing twice in one transaction runs it once. For caches that must
    not see a change before it is committed, nor miss one that is."""
    session.info.setdefault(_AFTER_COMMIT, {})[key] = fn


@event.listens_for(Session, "after_commit")
def _run_after_commit(session) -> None:
    for fn in session.info.pop(_AFTER_COMMIT, {}).values():
        fn()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


class _State:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.session = scoped_session(sessionmaker(bind=engine, expire_on_commit=False))


class Database:
    """Holds one engine and scoped session per Flask app."""

    def init_app(self, app):
        state = _State(make_engine(app.config["DATABASE_URL"]))
        app.extensions["smartcity.db"] = state

        @app.teardown_appcontext
        def remove_session(_exc):
            state.session.remove()

    @staticmethod
    def _state() -> _State:
        return current_app.extensions["smartcity.db"]

    @property
    def session(self):
        return self._state().session

    @property
    def engine(self) -> Engine:
        return self._state().engine

    def reader(self):
        """A connection for queries that only read (never takes SQLite's write lock)."""
        return self.engine.connect().execution_options(read_only=True)

    def release(self) -> None:
        """End the request session's transaction before waiting on another writer."""
        scoped = self.session
        if scoped.registry.has() and scoped().in_transaction():  # never create one to end it
            scoped.commit()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name
