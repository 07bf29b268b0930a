"""The one ingest path for HTTP and MQTT: bounded queue -> one writer thread -> group commit
-> after-commit hooks.

Callers get a Job back and wait on it; whatever queued up while the previous commit ran forms
the next batch, so throughput grows with load without adding latency when idle.
"""

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable

from flask import current_app

from smartcity.database import WriterTurn
from smartcity.extensions import db
from smartcity.telemetry import faults, store
from smartcity.telemetry.keys import key_dictionary
from smartcity.telemetry.partitions import partitions
from smartcity.telemetry.points import Point

log = logging.getLogger(__name__)
_STOP = object()


class QueueFull(Exception):
    """The writer is behind; the caller should retry later (HTTP 503, MQTT no ack)."""


class Job:
    """Points (or a maintenance call) waiting for the writer; done once committed or failed.

    A caller either waits (HTTP) or passes a callback run in the writer thread once done (MQTT
    acks there); only a waiting caller pays for a latch: a lock held until the job finishes
    (an Event's condition variable cost ~4 % of a single-reading post's CPU).

    `units` are the end offsets in `points` of the parts the database may refuse one by one (HTTP
    items, MQTT messages; default: the whole job); `refused` lists (unit, reason) of those it
    refused, while the rest was stored.
    """

    __slots__ = ("points", "units", "call", "callback", "derived", "latch", "finished",
                 "inserted", "refused", "result", "error", "enqueued")

    def __init__(self, points: list[Point] | None = None, call: Callable | None = None,
                 callback: Callable[["Job"], None] | None = None, derived: bool = False,
                 units: list[int] | None = None):
        self.points = points or []
        self.units = units
        self.call = call
        self.callback = callback
        self.derived = derived  # computed by the platform: the device was not heard from
        self.latch = None
        if callback is None:
            self.latch = threading.Lock()
            self.latch.acquire()
        self.finished = False
        self.inserted = 0
        self.refused: list[tuple[int, str]] = []
        self.result = None
        self.error: Exception | None = None
        self.enqueued = time.perf_counter()

    def wait(self, timeout: float) -> bool:
        if self.latch is None:
            raise RuntimeError("a job with a callback is not waited for")
        if not self.latch.acquire(timeout=max(0.0, timeout)):
            return False
        self.latch.release()  # open for good: a second wait returns at once
        return True

    def finish(self, error: Exception | None = None) -> None:
        self.error = error
        opened, self.finished = not self.finished, True
        if self.latch is not None and opened:
            self.latch.release()
        if self.callback is not None:
            try:
                self.callback(self)
            except Exception:
                log.exception("job callback failed")


class Pipeline:
    def __init__(self, app):
        self.app = app
        self.queue: queue.Queue = queue.Queue(maxsize=app.config["INGEST_QUEUE_SIZE"])
        self.max_points = app.config["INGEST_GROUP_MAX_POINTS"]
        self.hooks: list[Callable[[list[Point]], None]] = []
        self.thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.stats = {"batches": 0, "points_in": 0, "points_stored": 0, "commit_failures": 0,
                      "parts_refused": 0, "last_commit_ms": 0.0, "requests_shed": 0}
        limit = app.config.get("INGEST_MAX_IN_FLIGHT") or 0
        self._in_flight = threading.BoundedSemaphore(limit) if limit > 0 else None

    # -- admission of HTTP ingest requests ---------------------------------------------------
    def admit(self) -> bool:
        """Take one of INGEST_MAX_IN_FLIGHT slots without waiting; False when all are taken."""
        if self._in_flight is None or self._in_flight.acquire(blocking=False):
            return True
        self.stats["requests_shed"] += 1
        return False

    def release(self) -> None:
        if self._in_flight is not None:
            self._in_flight.release()

    # -- producers ---------------------------------------------------------------------------
    def submit(self, points: list[Point], callback=None, block: bool = False,
               derived: bool = False, units: list[int] | None = None) -> Job:
        """Queue points for the writer; raise QueueFull instead of blocking (unless `block`).

        `derived` points (AQI, congestion...) are stored like readings but do not count as the
        device being heard from (last_seen). `units`: see Job.
        """
        return self._enqueue(Job(points=points, callback=callback, derived=derived, units=units),
                             block=block)

    def call(self, fn: Callable, timeout: float = 60.0):
        """Run fn(conn) in the writer's transaction, serialised with ingest; return its result."""
        job = self._enqueue(Job(call=fn), block=True)
        if not job.wait(timeout):
            raise TimeoutError("writer did not run the call in time")
        if job.error:
            raise job.error
        return job.result

    def add_hook(self, hook: Callable[[list[Point]], None]) -> None:
        """Call hook(inserted_points) after every commit, in the writer thread."""
        self.hooks.append(hook)

    def depth(self) -> int:
        return self.queue.qsize()

    def _enqueue(self, job: Job, block: bool = False) -> Job:
        self.start()
        try:
            self.queue.put(job, block=block, timeout=30 if block else None)
        except queue.Full:
            raise QueueFull() from None
        return job

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            return
        with self._start_lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="telemetry-writer",
                                               daemon=True)
                self.thread.start()
                atexit.register(self.stop)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop the writer."""
        if self.thread is None or not self.thread.is_alive():
            return
        self.queue.put(_STOP)
        self.thread.join(timeout)

    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    # -- the writer --------------------------------------------------------------------------
    def _run(self) -> None:
        with self.app.app_context():
            conn, self.turn = None, WriterTurn(db.engine)
            while True:
                first = self.queue.get()
                if first is _STOP:
                    break
                # SQLite: wait for the other processes' writers before gathering the group, so
                # that what queued meanwhile joins it. Taken after, each wait left the group
                # at the jobs it held and the next one paid for the same buckets again.
                with self.turn:
                    jobs, stop = self._gather(first)
                    try:
                        if conn is None:
                            conn = db.engine.connect()
                            store.prepare_connection(conn)
                        self._process(conn, jobs)
                        failed = False
                    except Exception as exc:  # keep the writer alive; callers see the error
                        failed = True
                        log.exception("telemetry commit failed")
                        self.stats["commit_failures"] += 1
                        key_dictionary(self.app).clear()  # it may hold ids of keys rolled back
                        for job in jobs:
                            if not job.finished:
                                job.finish(exc)
                        if conn is not None:
                            conn.invalidate()
                            conn.close()
                            conn = None
                if failed:
                    time.sleep(0.2)
                if stop:
                    break
            if conn is not None:
                conn.close()
            self.turn.close()

    def _gather(self, first: Job) -> tuple[list[Job], bool]:
        """The group starting with `first`: what else is queued, up to max_points."""
        jobs, count = [first], len(first.points)
        if first.call is not None:
            return jobs, False
        while count < self.max_points:
            try:
                job = self.queue.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                return jobs, True
            jobs.append(job)
            if job.call is not None:
                break
            count += len(job.points)
        return jobs, False

    def _process(self, conn, jobs: list[Job]) -> None:
        batch = [job for job in jobs if job.call is None]
        if batch:
            self._write(conn, batch)
        for job in jobs:
            if job.call is not None:
                with conn.begin():
                    job.result = job.call(conn)
                job.finish()

    def _write(self, conn, jobs: list[Job]) -> None:
        started = time.perf_counter()
        received = [p for job in jobs for p in job.points]
        points = store.first_wins(received)
        if not points:
            for job in jobs:
                job.finish()
            return
        if conn.dialect.name == "postgresql":
            ts = [p.ts for p in points]
            partitions(self.app).ensure(db.engine, min(ts), max(ts))
        heard = {p.device_id for job in jobs if not job.derived for p in job.points}
        try:
            inserted = self._commit(conn, points, heard)
        except Exception as exc:
            if not faults.refused_for_data(exc):
                raise
            inserted = self._isolate(conn, jobs, exc)
        self.turn.release()  # committed: the answers and hooks need no turn
        if len(inserted) == len(received):  # every point was new: nothing to attribute
            for job in jobs:
                job.inserted = len(job.points)
                job.finish()
        else:
            new = {(p.device_id, p.key, p.ts) for p in inserted}
            for job in jobs:
                for p in job.points:
                    key = (p.device_id, p.key, p.ts)
                    if key in new:  # a point repeated within the batch counts once
                        new.discard(key)
                        job.inserted += 1
                job.finish()
        elapsed = (time.perf_counter() - started) * 1000
        self.stats["batches"] += 1
        self.stats["points_in"] += len(points)
        self.stats["points_stored"] += len(inserted)
        self.stats["last_commit_ms"] = round(elapsed, 2)
        for hook in self.hooks:
            try:
                hook(inserted)
            except Exception:
                log.exception("after-commit hook %r failed", hook)

    def _commit(self, conn, points: list[Point], heard: set[str]) -> list[Point]:
        """Store points in one transaction; return those inserted (first write wins)."""
        keys = key_dictionary(self.app)
        try:
            with conn.begin():
                keys.ids(conn, {p.key for p in points})
                rows = store.write_batch(conn, points, heard)
                return points if rows is None else [
                    Point(r[0], name, r[2], r[3], r[4])
                    for r, name in zip(rows, keys.names(conn, [r[1] for r in rows]), strict=True)]
        except Exception:
            keys.clear()  # it may hold ids of keys rolled back
            raise

    def _isolate(self, conn, jobs: list[Job], error: Exception) -> list[Point]:
        """The database refused the group for what it holds: store all but the parts it refuses."""
        log.warning("group commit refused (%s); isolating the parts refused", faults.reason(error))

        def commit(parts: list[faults.Part]) -> list[Point]:
            received = [p for part in parts for p in part.points()]
            heard = {p.device_id for part in parts if not part.job.derived
                     for p in part.points()}
            return self._commit(conn, store.first_wins(received), heard)

        inserted, refused = faults.isolate(commit, faults.parts_of(jobs), error)
        for part, reason in refused:
            part.job.refused.append((part.unit, reason))
            log.warning("ingest part refused: device %s, %d points: %s",
                        part.job.points[part.start].device_id, part.end - part.start, reason)
        self.stats["parts_refused"] += len(refused)
        return inserted


def init_app(app) -> Pipeline:
    app.config.setdefault("INGEST_QUEUE_SIZE", 2000)
    app.config.setdefault("INGEST_GROUP_MAX_POINTS", 20_000)
    pipeline = Pipeline(app)
    app.extensions["smartcity.pipeline"] = pipeline
    return pipeline


def pipeline_of(app) -> Pipeline:
    """The app's ingest pipeline (no app context needed)."""
    return app.extensions["smartcity.pipeline"]


def get_pipeline() -> Pipeline:
    return pipeline_of(current_app)
