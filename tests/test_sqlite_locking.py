"""On SQLite, reads never queue for the write lock (the telemetry writer may hold it), and the
telemetry writers of several processes take turns on a file lock."""

import threading
import time

import pytest
from sqlalchemy import text

from smartcity import migrate
from smartcity.database import WriterTurn, make_engine


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


def test_writers_of_processes_on_one_file_take_turns_on_a_file_lock(tmp_path):
    # Two WriterTurns hold two open files, as two processes would: the second waits, and goes
    # the moment the first is done.
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    first, second = WriterTurn(engine), WriterTurn(engine)
    entered = threading.Event()

    def take_second_turn():
        with second:
            entered.set()

    with first:
        waiter = threading.Thread(target=take_second_turn)
        waiter.start()
        assert not entered.wait(0.3)
    assert entered.wait(5)
    waiter.join()
    assert (tmp_path / "turns.db-writer.lock").exists()
    for turn in (first, second):
        turn.close()
    engine.dispose()


def test_writer_turns_are_a_no_op_without_a_sqlite_file():
    for url in ("sqlite://", "postgresql+psycopg://nobody@127.0.0.1:1/none"):
        engine = make_engine(url)
        with WriterTurn(engine) as turn:
            assert turn.path is None and turn.fd is None
        engine.dispose()


def test_jobs_queued_while_another_process_commits_join_the_writers_next_group(sqlite_app):
    # The writer waits for its turn before it gathers its group: readings that arrive while
    # another process's writer holds the turn are committed together, not one group each.
    from smartcity.devices.service import create_device
    from smartcity.extensions import db
    from smartcity.telemetry.pipeline import pipeline_of
    from smartcity.telemetry.points import Point

    with sqlite_app.app_context():
        create_device({"id": "aq-turn", "type": "air_quality_station"})
        db.session.commit()
        engine = db.engine
    pipeline = pipeline_of(sqlite_app)
    pipeline.start()
    other_process = WriterTurn(engine)
    def reading(i: int) -> list[Point]:
        return [Point("aq-turn", "pm25", 1_700_000_000_000 + i, float(i), None)]

    with other_process:
        jobs = [pipeline.submit(reading(0))]
        deadline = time.monotonic() + 5
        while pipeline.depth() and time.monotonic() < deadline:  # the writer has taken it
            time.sleep(0.01)
        jobs += [pipeline.submit(reading(i)) for i in range(1, 5)]
        assert not jobs[0].wait(0.2)  # the writer waits for the turn
    assert all(job.wait(10) and job.error is None and job.inserted == 1 for job in jobs)
    assert pipeline.stats["batches"] == 1
    other_process.close()
