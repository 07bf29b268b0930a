"""The stable command line, run as deployments run it: `python run.py ...` in a work directory."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smartcity import create_app, migrate
from smartcity.auth.models import User
from smartcity.config import Config, TestConfig
from smartcity.database import make_engine
from smartcity.extensions import db

RUN_PY = Path(__file__).resolve().parents[1] / "run.py"


def cli_environment(database: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in Config.ENV_KEYS and k not in ("SMARTCITY_ENV", "CORS_ORIGINS")}
    return env | {"DATABASE_URL": database}


def run_cli(workdir: Path, database: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUN_PY), *args], cwd=workdir,
                          env=cli_environment(database), capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """One `db upgrade` run; tests start from copies of the database it made."""
    workdir = tmp_path_factory.mktemp("cli-template")
    result = run_cli(workdir, f"sqlite:///{workdir / 'cli.db'}", "db", "upgrade")
    assert result.returncode == 0, result.stderr
    return workdir / "cli.db", result


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


@pytest.fixture
def database(workdir, migrated):
    shutil.copy(migrated[0], workdir / "cli.db")
    return f"sqlite:///{workdir / 'cli.db'}"


@pytest.fixture
def run(workdir, database):
    """Run `python run.py <args>` in its own working directory against its own database."""
    return lambda *args: run_cli(workdir, database, *args)


@pytest.fixture
def app_on(database):
    """An app on the CLI's database, to check what the commands did."""
    app = create_app(TestConfig, {"DATABASE_URL": database, "BCRYPT_ROUNDS": 4})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def logs_in(app, username, password) -> bool:
    response = app.test_client().post("/api/auth/login",
                                      json={"username": username, "password": password})
    return response.status_code == 200 and response.get_json()["user"]["role"] == "admin"


def admin_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)).where(User.role == "admin"))


def test_db_upgrade_migrates_to_the_single_head(migrated, run, database):
    path, result = migrated
    assert migrate.heads()[0] in result.stdout
    engine = make_engine(f"sqlite:///{path}")
    assert migrate.current(engine) == migrate.heads()[0]
    engine.dispose()
    again = run("db", "upgrade")  # on a copy: upgrading an up-to-date database changes nothing
    assert again.returncode == 0, again.stderr
    engine = make_engine(database)
    assert migrate.current(engine) == migrate.heads()[0]
    engine.dispose()


def test_create_admin_makes_an_admin_who_can_log_in(run, app_on):
    result = run("create-admin", "--username", "chief", "--password", "s3cret-enough",
                 "--email", "chief@city.test")
    assert result.returncode == 0, result.stderr
    assert "chief" in result.stdout
    assert logs_in(app_on, "chief", "s3cret-enough")
    assert not logs_in(app_on, "chief", "wrong-password")


def test_create_admin_with_a_too_short_password_exits_2(run, app_on):
    result = run("create-admin", "--username", "chief", "--password", "short")
    assert result.returncode == 2
    assert "password" in result.stderr
    assert admin_count(app_on) == 0


def test_create_admin_with_a_taken_username_exits_2(run, app_on):
    assert run("create-admin", "--username", "chief", "--password", "s3cret-enough").returncode == 0
    result = run("create-admin", "--username", "CHIEF", "--password", "other-secret")
    assert result.returncode == 2
    assert "taken" in result.stderr
    assert admin_count(app_on) == 1


def test_seed_demo_writes_owner_only_credentials_that_log_in(run, workdir, app_on):
    result = run("seed-demo")
    assert result.returncode == 0, result.stderr
    credentials = workdir / "instance" / "demo-credentials.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    fields = dict(line.split(": ", 1) for line in credentials.read_text().splitlines())
    assert fields["username"] == "admin"
    assert len(fields["password"]) >= 16
    assert fields["password"] in result.stdout
    assert logs_in(app_on, "admin", fields["password"])


def test_seed_demo_twice_keeps_one_admin_and_its_password(run, workdir, app_on):
    assert run("seed-demo").returncode == 0
    credentials = workdir / "instance" / "demo-credentials.txt"
    first = credentials.read_text()
    second = run("seed-demo")
    assert second.returncode == 0, second.stderr
    assert credentials.read_text() == first
    assert admin_count(app_on) == 1
    password = first.split("password: ", 1)[1].strip()
    assert logs_in(app_on, "admin", password)


def test_seed_demo_leaves_an_existing_installation_alone(run, workdir, app_on):
    assert run("create-admin", "--username", "chief", "--password", "s3cret-enough").returncode == 0
    assert run("seed-demo").returncode == 0
    assert not (workdir / "instance" / "demo-credentials.txt").exists()
    assert admin_count(app_on) == 1

