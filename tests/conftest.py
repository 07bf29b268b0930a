"""A fresh app per test on a migrated database: PostgreSQL when configured (always under CI),
else a temporary SQLite file. Tables are emptied after every test."""

import itertools
import os

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from smartcity import create_app, migrate
from smartcity.config import TestConfig, test_database_url, test_service_urls
from smartcity.database import make_engine
from smartcity.models import metadata

# One database per test run, so that parallel runs on one server never wipe each other.
TEST_DB_NAME = f"smartcity_test_{os.getpid()}"
pytest_plugins = ["tests.broker", "tests.browser", "tests.domain", "tests.smtp",
                  "tests.webhook"]


def _postgres_test_url(base_url: str, name: str = TEST_DB_NAME) -> str:
    """Use a dedicated database beside the configured one, never the configured one itself."""
    url = make_url(base_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_test_db(base_url: str, name: str = TEST_DB_NAME) -> None:
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_schema(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _migrated(url: str) -> str:
    engine = make_engine(url)
    _reset_schema(engine)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def services():
    return test_service_urls()


@pytest.fixture
def redis_url(services):
    """A reachable Redis (required under CI=true), else the test is skipped."""
    url = services["REDIS_URL"] or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        if services["CI"]:
            pytest.fail(f"CI=true requires Redis at {url}", pytrace=False)
        pytest.skip("Redis not reachable")
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, services):
    url = test_database_url()
    if services["CI"] and not (url and url.startswith("postgresql")):
        pytest.fail("CI=true requires DATABASE_URL pointing at PostgreSQL", pytrace=False)
    if url and url.startswith("postgresql"):
        yield _migrated(_postgres_test_url(url))
        _drop_postgres_test_db(url)
        return
    yield _migrated(f"sqlite:///{tmp_path_factory.mktemp('db') / 'smartcity-test.db'}")


@pytest.fixture
def postgresql_only(database_url, services):
    """For PostgreSQL-only behaviour: skipped on a SQLite run, never under CI=true (which
    tests against PostgreSQL; database_url already fails otherwise)."""

    def require(why: str) -> None:
        if not database_url.startswith("postgresql"):
            if services["CI"]:
                pytest.fail(f"CI=true runs on PostgreSQL, yet: {why}", pytrace=False)
            pytest.skip(why)

    return require


def _empty_tables(engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def make_app(database_url):
    """Build apps on the test database; tables are emptied once the test ends."""
    built = []

    def factory(**overrides):
        app = create_app(TestConfig, {"DATABASE_URL": database_url, "BCRYPT_ROUNDS": 4,
                                      **overrides})
        built.append(app)
        return app

    yield factory
    for app in built:
        app.extensions["smartcity.pipeline"].stop()
        with app.app_context():
            from smartcity.extensions import db

            db.session.remove()
            db.engine.dispose()
    engine = make_engine(database_url)
    _empty_tables(engine)
    engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


_counter = itertools.count()


@pytest.fixture
def make_user(app):
    """Create a user with a role; returns (user dict, password)."""
    from smartcity.auth import service
    from smartcity.extensions import db

    def factory(role="viewer", password="correct-horse-battery", **fields):
        n = next(_counter)
        with app.app_context():
            user = service.create_user({"username": fields.get("username", f"{role}{n}"),
                                        "email": fields.get("email", f"{role}{n}@city.test"),
                                        "password": password, "role": role})
            db.session.commit()
            return service.user_to_dict(user), password

    return factory


@pytest.fixture
def login(client, make_user):
    """Create a user with a role and return its login response body."""

    def factory(role="viewer"):
        user, password = make_user(role)
        response = client.post("/api/auth/login",
                               json={"username": user["username"], "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return factory


@pytest.fixture
def headers(login):
    """Authorization headers for a fresh user of the given role."""

    def factory(role="viewer"):
        return {"Authorization": f"Bearer {login(role)['access_token']}"}

    return factory


@pytest.fixture
def admin_headers(headers):
    return headers("admin")


@pytest.fixture
def make_device(client, admin_headers):
    """Register a device through the API; returns its JSON including the one-time api_key."""

    def factory(device_id=None, type="air_quality_station", **fields):
        body = {"id": device_id or f"dev-{next(_counter)}", "type": type, **fields}
        response = client.post("/api/devices", json=body, headers=admin_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return factory
