"""The key-name dictionary. Ids never change once assigned, so a process-wide cache is safe."""

import threading

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from smartcity.telemetry.models import telemetry_keys


class KeyDictionary:
    def __init__(self):
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self._lock = threading.Lock()

    def ids(self, conn, names) -> dict[str, int]:
        """Map key names to ids, creating the missing ones."""
        missing = [n for n in set(names) if n not in self._ids]
        if missing:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(insert(telemetry_keys).on_conflict_do_nothing(),
                         [{"name": n} for n in missing])
            self._load(conn, select(telemetry_keys).where(telemetry_keys.c.name.in_(missing)))
        return self._ids

    def known_ids(self, conn, names) -> dict[str, int]:
        """Map names to ids without creating any; unknown names are left out."""
        missing = [n for n in set(names) if n not in self._ids]
        if missing:
            self._load(conn, select(telemetry_keys).where(telemetry_keys.c.name.in_(missing)))
        return {n: self._ids[n] for n in names if n in self._ids}

    def names(self, conn, ids: list[int]) -> list[str]:
        """The names of `ids`, in order."""
        missing = [i for i in set(ids) if i not in self._names]
        if missing:
            self._load(conn, select(telemetry_keys).where(telemetry_keys.c.id.in_(missing)))
        return [self._names[i] for i in ids]

    def clear(self) -> None:
        """Forget every id: after a rolled-back transaction, ids it created do not exist."""
        with self._lock:
            self._ids, self._names = {}, {}

    def _load(self, conn, stmt) -> None:
        rows = conn.execute(stmt).all()
        with self._lock:
            for key_id, name in rows:
                self._ids[name] = key_id
                self._names[key_id] = name


def key_dictionary(app) -> KeyDictionary:
    # One per database engine: tests build many apps over different databases.
    return app.extensions.setdefault("smartcity.telemetry_keys", KeyDictionary())
