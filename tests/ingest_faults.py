"""Test kit: make the database refuse some rows for a data reason, on SQLite and PostgreSQL.

A trigger on `telemetry` refuses every row of a device whose id starts with "poison", as a
constraint would: the group commit holding it fails the way a bad value makes it fail, while the
database stays up. Use the `poison_trigger` fixture (tests/conftest.py exposes it).
"""

import contextlib

from sqlalchemy import text

from smartcity.extensions import db

POISON = "poison"
MESSAGE = "poison reading refused"

_SQLITE = [f"""CREATE TRIGGER poison_refused BEFORE INSERT ON telemetry
               WHEN NEW.device_id LIKE '{POISON}%'
               BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS poison_refused"]
# check_violation (23514): a data error, as an overflow (22003) or a constraint would be.
_POSTGRESQL = [f"""CREATE OR REPLACE FUNCTION poison_refused() RETURNS trigger
                   LANGUAGE plpgsql AS $$
                   BEGIN
                     IF NEW.device_id LIKE '{POISON}%' THEN
                       RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
                     END IF;
                     RETURN NEW;
                   END $$""",
               """CREATE TRIGGER poison_refused BEFORE INSERT ON telemetry
                  FOR EACH ROW EXECUTE FUNCTION poison_refused()"""]
_POSTGRESQL_DROP = ["DROP TRIGGER IF EXISTS poison_refused ON telemetry",
                    "DROP FUNCTION IF EXISTS poison_refused()"]


def _run(app, statements: list[str]) -> None:
    with app.app_context(), db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


@contextlib.contextmanager
def poisoned(app):
    """While inside, the database refuses the rows of devices named poison*."""
    postgresql = db_dialect(app) == "postgresql"
    _run(app, _POSTGRESQL_DROP if postgresql else _SQLITE_DROP)
    _run(app, _POSTGRESQL if postgresql else _SQLITE)
    try:
        yield
    finally:
        _run(app, _POSTGRESQL_DROP if postgresql else _SQLITE_DROP)


def db_dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name
