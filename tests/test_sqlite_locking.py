"""On SQLite, reads never queue for the write lock (the telemetry writer may hold it)."""

import pytest
from sqlalchemy import text

from smartcity import migrate
from smartcity.database import make_engine


@pytest.fixture
def sqlite_app(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return make_app(DATABASE_URL=url)


def test_reads_and_device_auth_proceed_while_another_connection_holds_the_write_lock(
        sqlite_app):
    client = sqlite_app.test_client()
    with sqlite_app.app_context():
        from smartcity.auth import service as users
        from smartcity.auth import tokens
        from smartcity.devices.service import create_device
        from smartcity.extensions import db

        user = users.create_user({"username": "locker", "password": "correct-horse-battery",
                                  "role": "admin"})
        _, key = create_device({"id": "aq-lock", "type": "air_quality_station"})
        db.session.commit()
        admin = {"Authorization": f"Bearer {tokens.issue(user, 'access')}"}
    holder = make_engine(sqlite_app.config["DATABASE_URL"]).connect()
    try:  # its transaction begins IMMEDIATE: like the writer in the middle of a batch
        holder.execute(text("UPDATE devices SET name = 'held' WHERE id = 'aq-lock'"))
        assert client.get("/api/devices/aq-lock", headers=admin).status_code == 200
        assert client.get("/api/devices/aq-lock/telemetry/latest",
                          headers=admin).status_code == 200
        assert client.get("/api/devices/me/config",
                          headers={"X-API-Key": key}).status_code == 200
    finally:
        holder.rollback()
        holder.close()
