"""`run.py backup` and `run.py restore` on the test database (SQLite or PostgreSQL): every row of
every table comes back, run as an operator runs them (a subprocess with DATABASE_URL)."""

import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from smartcity.auth.models import User
from smartcity.database import make_engine
from smartcity.extensions import db
from smartcity.simulator.seed import seed_city
from tests.test_cli import run_cli


def snapshot(url: str) -> dict[str, list]:
    """Every row of every table in the database (alembic_version included), in a fixed order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {name: sorted((tuple(row) for row in conn.execute(
                text(f'SELECT * FROM "{name}"'))), key=repr) for name in tables}
    finally:
        engine.dispose()


@pytest.fixture
def city(app, tmp_path, store):
    """A database with rows in most tables: the demo city, users, telemetry, audit."""
    with app.app_context():
        seed_city(tmp_path / "keys.json")
        db.session.commit()
        device = db.session.execute(text("SELECT id FROM devices ORDER BY id LIMIT 1")).scalar()
        db.session.remove()
    now = int(time.time() * 1000)
    store([(device, now - i * 60_000, {"pm25": 10.0 + i, "no2": 20.5}) for i in range(50)])
    with app.app_context():
        db.engine.dispose()


def test_backup_and_restore_bring_back_every_row(app, city, database_url, tmp_path):
    before = snapshot(database_url)
    filled = [name for name, rows in before.items() if rows]
    assert len(filled) >= 10, filled  # the round trip is about real content
    assert before["alembic_version"]
    target = tmp_path / "smartcity.backup"
    result = run_cli(tmp_path, database_url, "backup", "--to", str(target))
    assert result.returncode == 0, result.stderr
    assert target.is_file() and "backed up" in result.stdout

    # The city changes after the backup: rows go, rows come, a table comes.
    with app.app_context():
        db.session.execute(text("DELETE FROM telemetry"))
        db.session.add(User(username="late", password_hash="x", role="viewer"))
        db.session.execute(text("CREATE TABLE newer_release (id integer)"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert snapshot(database_url) != before

    result = run_cli(tmp_path, database_url, "restore", "--from", str(target))
    assert result.returncode == 0, result.stderr
    assert "restored" in result.stdout
    after = snapshot(database_url)
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    with app.app_context():  # and the app works on it
        assert db.session.scalar(select(User.id).where(User.username == "late")) is None


def test_restore_refuses_a_file_that_is_no_backup(database_url, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all" * 100)
    result = run_cli(tmp_path, database_url, "restore", "--from", str(junk))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert str(junk) in result.stderr
    missing = run_cli(tmp_path, database_url, "restore", "--from", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_backup_into_a_missing_directory_is_a_clear_error(database_url, tmp_path):
    result = run_cli(tmp_path, database_url, "backup", "--to", str(tmp_path / "no" / "x.bak"))
    assert result.returncode == 2
    assert "no such directory" in result.stderr


def _fake_tool(directory: Path, name: str, version: str) -> None:
    """A stand-in client tool that only answers --version (an older installation)."""
    tool = directory / name
    tool.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)


def test_postgres_client_tools_missing_or_too_old(postgresql_only, database_url, tmp_path,
                                                  monkeypatch):
    postgresql_only("pg_dump and pg_restore serve PostgreSQL only")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))  # run.py starts by its interpreter's full path
    result = run_cli(tmp_path, database_url, "backup", "--to", str(tmp_path / "x.dump"))
    assert result.returncode == 2
    assert "pg_dump not found on PATH" in result.stderr

    _fake_tool(bin_dir, "pg_dump", "9.6.24")
    result = run_cli(tmp_path, database_url, "backup", "--to", str(tmp_path / "x.dump"))
    assert result.returncode == 2
    assert "server version mismatch: pg_dump is version 9" in result.stderr
    assert not (tmp_path / "x.dump").exists()
