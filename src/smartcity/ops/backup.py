"""Back up and restore the database: `run.py backup --to FILE`, `run.py restore --from FILE`.

SQLite through the sqlite3 online backup API (consistent while the server writes: it copies
pages and restarts if a writer changes one it copied). PostgreSQL through `pg_dump -Fc` and
`pg_restore` (custom format), run against the DATABASE_URL; the password goes through
PGPASSWORD, never the command line. docs/deployment.md has the schedule.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from smartcity.config import normalise_database_url

# pg_restore waits at most this long for a table lock (a running server holding one), then fails
# (in one transaction: nothing changed) instead of hanging.
LOCK_TIMEOUT = "30s"


class BackupError(Exception):
    """Why a backup or a restore could not run; the command line prints it."""


def backup(database_url: str, path: Path) -> str:
    """Write a backup of the database to `path`; returns a one-line description."""
    url = make_url(normalise_database_url(database_url))
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory")
    if url.get_backend_name() == "sqlite":
        return _sqlite_backup(_sqlite_file(url), path)
    if url.get_backend_name() == "postgresql":
        return _pg_backup(url, path)
    raise BackupError(f"cannot back up a {url.get_backend_name()} database")


def restore(database_url: str, path: Path) -> str:
    """Replace the database's content with the backup at `path`; returns a description."""
    url = make_url(normalise_database_url(database_url))
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    if url.get_backend_name() == "sqlite":
        return _sqlite_restore(_sqlite_file(url), path)
    if url.get_backend_name() == "postgresql":
        return _pg_restore(url, path)
    raise BackupError(f"cannot restore a {url.get_backend_name()} database")


# SQLite


def _sqlite_file(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def _check_sqlite_file(path: Path) -> None:
    """Refuse what is not a SQLite database of ours (a .dump, a truncated file)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite backup: {exc}") from None
    if ok != "ok":
        raise BackupError(f"{path} is damaged: {ok}")
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is not a smartcity database (no alembic_version table)")


def _sqlite_backup(database: Path, path: Path) -> str:
    if not database.is_file():
        raise BackupError(f"{database}: no such database")
    if path.exists():
        path.unlink()  # the backup API writes into the file; start from nothing
    _sqlite_copy(database, path)
    return f"backed up {database} to {path} ({path.stat().st_size} bytes, SQLite)"


def _sqlite_restore(database: Path, path: Path) -> str:
    _check_sqlite_file(path)
    if not database.parent.is_dir():
        raise BackupError(f"{database.parent}: no such directory")
    _sqlite_copy(path, database)  # page by page into the live file, under its write lock
    return f"restored {database} from {path} (SQLite)"


# PostgreSQL


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found on PATH: install the PostgreSQL client tools "
                          f"(Debian: apt-get install postgresql-client) of the server's "
                          f"major version or newer")
    return found


def _client_major(tool: str) -> int:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30).stdout
    found = re.search(r"(\d+)(?:\.\d+)*", out)
    if found is None:
        raise BackupError(f"cannot read the version of {tool}: {out.strip()!r}")
    return int(found.group(1))


def _server_major(url) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SHOW server_version_num"))) // 10000
    except Exception as exc:  # noqa: BLE001 - any failure to connect is reported as such
        raise BackupError(f"cannot connect to {url.render_as_string()}: {exc}") from None
    finally:
        engine.dispose()


def _check_versions(tool: str, url) -> None:
    """pg_dump and pg_restore refuse a server newer than themselves; say so before they run."""
    client, server = _client_major(tool), _server_major(url)
    if client < server:
        raise BackupError(f"server version mismatch: {Path(tool).name} is version {client}, the "
                          f"server is PostgreSQL {server}; install postgresql-client-{server}")


def _libpq(url) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment carrying it."""
    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database,
             **{k: v for k, v in url.query.items() if isinstance(v, str)}}

    def quote(value) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    dsn = " ".join(f"{k}={quote(v)}" for k, v in parts.items() if v not in (None, ""))
    env = {**os.environ, "PGOPTIONS": f"-c lock_timeout={LOCK_TIMEOUT}"}
    if url.password:
        env["PGPASSWORD"] = url.password
    return dsn, env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        message = result.stderr.strip() or f"exit status {result.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {message}")


def _pg_backup(url, path: Path) -> str:
    tool = _tool("pg_dump")
    _check_versions(tool, url)
    dsn, env = _libpq(url)
    partial = path.with_name(path.name + ".partial")  # a failed dump never passes for a backup
    try:
        _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
              f"--dbname={dsn}"], env)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    size = path.stat().st_size
    return f"backed up {url.database} to {path} ({size} bytes, pg_dump custom format)"


def _pg_restore(url, path: Path) -> str:
    tool, psql = _tool("pg_restore"), _tool("psql")
    _check_versions(tool, url)
    dsn, env = _libpq(url)
    listing = subprocess.run([tool, "--list", str(path)], capture_output=True, text=True, env=env)
    if listing.returncode != 0:
        raise BackupError(f"{path} is not a pg_dump custom-format archive pg_restore "
                          f"{_client_major(tool)} can read: {listing.stderr.strip()}")
    # The archive as SQL, run by psql in one transaction after emptying the schema: the database
    # becomes exactly the backup (tables added since are gone too), and a failure (a lock not
    # granted, a newer archive) leaves it as it was. pg_restore --clean cannot do this: it
    # fails on partitioned tables (telemetry) and keeps tables the archive lacks.
    script = subprocess.Popen([tool, "--no-owner", "--no-privileges", "--file=-", str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    result = subprocess.run([psql, "--no-psqlrc", "--quiet", "--single-transaction",
                             "--set=ON_ERROR_STOP=1", "--command=DROP SCHEMA public CASCADE",
                             "--command=CREATE SCHEMA public", "--file=-", f"--dbname={dsn}"],
                            stdin=script.stdout, capture_output=True, text=True, env=env)
    script.stdout.close()
    script_errors = script.stderr.read().decode(errors="replace").strip()
    script.stderr.close()
    if script.wait() != 0:
        raise BackupError(f"pg_restore failed: {script_errors}")
    if result.returncode != 0:
        raise BackupError(f"psql failed (nothing was changed): {result.stderr.strip()}")
    return f"restored {url.database} from {path} (pg_restore)"
