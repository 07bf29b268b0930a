"""Drill: HTTP ingest at ~3x what the real server takes, for 10 s.

The server is the production one (gunicorn, gunicorn.conf.py, one worker, 16 threads) on the
test database, with INGEST_MAX_IN_FLIGHT=4. First its capacity is measured (closed loop, 4
clients); then batches are offered at three times that rate (open loop, 48 connections), then
every refused batch is sent again after its Retry-After. Asserted: the overload is answered
503 + Retry-After (never 500, never a dropped connection), the worker's memory stays bounded,
every reading answered 201 is stored (rows == points accepted), and once retried, every reading
offered is stored. Figures are printed; no timing is asserted."""

import http.client
import json
import queue
import threading
import time

import orjson
from sqlalchemy import text

from smartcity.auth import service as users
from smartcity.auth import tokens
from smartcity.database import make_engine
from smartcity.devices.service import create_device
from smartcity.extensions import db
from smartcity.timeutil import now_ms
from tests.gunicorn import gunicorn

DEVICES = 20
ITEMS = 100  # readings (one value each) per batch
CAPACITY_BATCHES = 60  # closed-loop batches to measure what the server takes
BURST_S = 10.0
OVERLOAD = 3.0
CONNECTIONS = 48
IN_FLIGHT = 4
RSS_GROWTH_KIB = 100 * 1024  # the bound: the worker may grow 100 MiB over its warm size


class Plan:
    """Batches with readings no other batch carries: (device, key, ts) unique."""

    def __init__(self):
        self.base, self.next = now_ms() - 3_600_000, 0

    def batch(self) -> bytes:
        items = []
        for _ in range(ITEMS):
            n = self.next
            self.next += 1
            items.append({"device_id": f"burst-{n % DEVICES}", "ts": self.base + n,
                          "values": {"load": n % 1000}})
        return orjson.dumps(items)


class Client:
    """Keep-alive connections posting batches; every answer is tallied."""

    def __init__(self, port: int, token: str):
        self.port, self.headers = port, {"Authorization": f"Bearer {token}",
                                         "Content-Type": "application/json"}
        self.lock = threading.Lock()
        self.status: dict[int, int] = {}
        self.accepted_points = 0
        self.duplicates = 0
        self.refused: list[bytes] = []
        self.without_retry_after = 0
        self.errors: list[str] = []

    def post(self, conn, body: bytes):
        try:
            conn.request("POST", "/api/telemetry/batch", body=body, headers=self.headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            with self.lock:
                self.errors.append(repr(exc))
            conn.close()
            return None
        with self.lock:
            self.status[resp.status] = self.status.get(resp.status, 0) + 1
            if resp.status == 201:
                answer = orjson.loads(data)
                self.accepted_points += answer["points"]
                self.duplicates += answer["duplicates"]
            elif resp.status == 503:
                self.refused.append(body)
                if not resp.getheader("Retry-After"):
                    self.without_retry_after += 1
        return resp

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)


def closed_loop(client: Client, bodies: list[bytes], clients: int, honour_retry: bool) -> float:
    """Send every body from `clients` connections, one at a time each; seconds taken."""
    work: queue.Queue = queue.Queue()
    for body in bodies:
        work.put(body)

    def run():
        conn = client.connection()
        while True:
            try:
                body = work.get_nowait()
            except queue.Empty:
                break
            resp = client.post(conn, body)
            if honour_retry and resp is not None and resp.status == 503:
                time.sleep(float(resp.getheader("Retry-After") or 1))
                work.put(body)
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def open_loop(client: Client, plan: Plan, rate: float, seconds: float) -> int:
    """Offer batches at `rate` per second for `seconds`, whatever the answers take; returns how
    many were offered."""
    total = int(rate * seconds)
    work: queue.Queue = queue.Queue()

    def send():
        conn = client.connection()
        while (body := work.get()) is not None:
            resp = client.post(conn, body)
            if resp is None:
                conn = client.connection()
        conn.close()

    senders = [threading.Thread(target=send) for _ in range(CONNECTIONS)]
    for t in senders:
        t.start()
    started = time.monotonic()
    for n in range(total):
        time.sleep(max(0.0, started + n / rate - time.monotonic()))
        work.put(plan.batch())
    for _ in senders:
        work.put(None)
    for t in senders:
        t.join()
    return total


def stored_rows(database_url: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        count = conn.scalar(text("SELECT COUNT(*) FROM telemetry WHERE device_id LIKE 'burst-%'"))
    engine.dispose()
    return count


def test_three_times_the_capacity_is_shed_with_503_and_nothing_accepted_is_lost(
        make_app, database_url, tmp_path):
    app = make_app()
    with app.app_context():
        for i in range(DEVICES):
            create_device({"id": f"burst-{i}", "type": "weather_station"})
        admin = users.create_user({"username": "burst-admin", "email": "burst@city.test",
                                   "password": "correct-horse-battery", "role": "admin"})
        db.session.commit()
        token = tokens.issue(admin, "access")
    settings = {"SECRET_KEY": app.config["SECRET_KEY"],
                "JWT_SECRET_KEY": app.config["JWT_SECRET_KEY"],
                "INGEST_MAX_IN_FLIGHT": str(IN_FLIGHT), "LOGIN_RATE_LIMIT": "1000 per minute"}
    with gunicorn(tmp_path, database_url, threads=16, settings=settings) as server:
        plan = Plan()
        client = Client(server.port, token)
        # warm-up and capacity: 4 clients, one batch at a time each
        closed_loop(client, [plan.batch() for _ in range(8)], 4, honour_retry=True)
        rss_warm = server.worker_rss_kib()
        seconds = closed_loop(client, [plan.batch() for _ in range(CAPACITY_BATCHES)], 4,
                              honour_retry=True)
        capacity = CAPACITY_BATCHES / seconds
        before_burst = dict(client.status)
        client.refused.clear()

        peak = [rss_warm]
        sampling = threading.Event()

        def sample():
            while not sampling.wait(0.1):
                peak[0] = max(peak[0], server.worker_rss_kib())

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            offered = open_loop(client, plan, OVERLOAD * capacity, BURST_S)
        finally:
            sampling.set()
            sampler.join()
        burst = {str(k): v - before_burst.get(k, 0) for k, v in client.status.items()}
        stored_after_burst = stored_rows(database_url)
        accepted_after_burst = client.accepted_points

        refused = list(client.refused)
        client.refused.clear()
        closed_loop(client, refused, 4, honour_retry=True)
        stored_final = stored_rows(database_url)
        rss_end = server.worker_rss_kib()

    figures = {
        "capacity_batches_per_s": round(capacity, 1), "points_per_batch": ITEMS,
        "offered_batches_per_s": round(OVERLOAD * capacity, 1), "burst_s": BURST_S,
        "burst_offered": offered, "burst_answers": burst, "refused_then_retried": len(refused),
        "accepted_points_after_burst": accepted_after_burst,
        "stored_rows_after_burst": stored_after_burst,
        "planned_points": plan.next, "stored_rows_final": stored_final,
        "worker_rss_kib": {"warm": rss_warm, "peak_in_burst": peak[0], "end": rss_end},
        "connection_errors": len(client.errors), "without_retry_after": client.without_retry_after,
    }
    print("\nburst drill:", json.dumps(figures))
    assert not client.errors, client.errors[:5]
    assert set(client.status) <= {201, 503}, client.status  # never a 500, never a 4xx
    assert burst.get("503", 0) > 0, figures  # the overload was reached and shed
    assert burst.get("201", 0) > 0, figures
    assert client.without_retry_after == 0
    assert client.duplicates == 0
    assert stored_after_burst == accepted_after_burst, figures  # every 201 is stored
    assert stored_final == plan.next == client.accepted_points, figures  # nothing lost
    assert peak[0] - rss_warm < RSS_GROWTH_KIB, figures
