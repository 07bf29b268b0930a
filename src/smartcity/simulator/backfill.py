"""History for the demo city: every device's readings on a fixed time grid, posted through the
batch API (a service-account token) in chunks of at most MAX_POINTS points."""

import itertools
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import orjson

from smartcity.simulator import coverage
from smartcity.simulator.fleet import Fleet
from smartcity.simulator.transports import HttpTransport

MAX_POINTS = 10_000  # the batch API's limit per request
LIVE_FRIENDLY_POINTS = 2_000  # smaller batches when live readings share the writer
# A demo is judged in its first minute: the last hours go first, then the day, then older days.
RECENT_FIRST_S = (3 * 3600, 24 * 3600)
REPORT_EVERY_S = 2.0  # how often the app hears how far the history has got


def chunks(steps, max_points: int = MAX_POINTS):
    """Turn (t, [(device_id, values)]) steps into batches of at most max_points points."""
    items, points = [], 0
    for t, readings in steps:
        ts = int(t * 1000)
        for device_id, values in readings:
            if points + len(values) > max_points:
                yield items, points
                items, points = [], 0
            items.append({"device_id": device_id, "ts": ts, "values": values})
            points += len(values)
    if items:
        yield items, points


def newest_first(times: list[float], recent=RECENT_FIRST_S) -> list[tuple[int, int]]:
    """Index ranges [a, b) of the grid, newest block first: the last 3 h, the last day, the rest."""
    if not times:
        return []
    edges = sorted({next((i for i, t in enumerate(times) if t >= times[-1] - span), 0)
                    for span in recent} | {0}, reverse=True)
    bounds, end = [], len(times)
    for start in edges:
        if start < end:
            bounds.append((start, end))
            end = start
    return bounds


def steps_newest_first(make_fleet, times: list[float], recent=RECENT_FIRST_S):
    """(t, readings) of each block newest first, in time order inside a block. Each block has a
    fleet of its own, run through the earlier times unsent (warm_up), so that cumulative meters
    and vehicles read exactly as one pass in time order would have."""
    for a, b in newest_first(times, recent):
        fleet = make_fleet()
        fleet.warm_up(times[:a])
        for t in times[a:b]:
            yield t, fleet.sample_all(t)


def span_label(seconds: float) -> str:
    days = seconds / 86_400
    if days >= 1:
        return f"{round(days)} day{'s' if round(days) != 1 else ''} of history"
    return f"{max(1, round(seconds / 3600))} h of history"


class Progress:
    """Counts points stored and draws a bar on stderr (a line every few seconds off a TTY)."""

    def __init__(self, total: int, label: str = "history", stream=None, quiet: bool = False):
        self.total, self.label, self.quiet = max(total, 1), label, quiet
        self.stream = stream or sys.stderr
        self.done = self.stored = self.failed = 0
        self.started = time.monotonic()
        self._drawn = 0.0
        self._lock = threading.Lock()
        self.finished = False

    def add(self, points: int, stored: int = 0, failed: bool = False) -> None:
        with self._lock:
            self.done += points
            self.stored += stored
            self.failed += points if failed else 0
        self.draw()

    def summary(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else 0
        share = min(self.done / self.total, 1.0)
        return (f"{self.label} {share:4.0%} {self.done / 1e6:.2f}M/{self.total / 1e6:.2f}M points, "
                f"{rate / 1000:.1f}k/s, " + (f"ETA {eta:.0f}s" if self.done < self.total
                                             else f"done in {elapsed:.0f}s"))

    def draw(self, force: bool = False) -> None:
        if self.quiet:
            return
        tty = self.stream.isatty()
        now = time.monotonic()
        if not force and now - self._drawn < (0.25 if tty else 5.0):
            return
        self._drawn = now
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30) + "-" * (30 - int(share * 30))
        line = f"[{bar}] {self.summary()}"
        self.stream.write(f"\r{line}\x1b[K" if tty else line + "\n")
        self.stream.flush()


class AppReport:
    """Tells the app how far the history has got (PUT /api/jobs/progress/history), every few
    seconds and once at the end; a report that fails is skipped, never retried."""

    def __init__(self, transport: HttpTransport, headers: dict, label: str, name: str = "history"):
        self.transport, self.headers, self.label, self.name = transport, headers, label, name
        self._sent = 0.0
        self._lock = threading.Lock()

    def send(self, progress: Progress, finished: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            if not finished and now - self._sent < REPORT_EVERY_S:
                return
            self._sent = now
        body = {"done": progress.done, "total": progress.total, "label": self.label,
                "finished": finished, "detail": "newest hours first"}
        self.transport.request("PUT", f"/api/jobs/progress/{self.name}", retries=0,
                               data=orjson.dumps(body), headers=dict(self.headers))


def run(fleet: Fleet, transport: HttpTransport, token: str, times: list[float],
        progress: Progress | None = None, stop: threading.Event | None = None, workers: int = 2,
        max_points: int = MAX_POINTS, state_file=None, pause=None, make_fleet=None) -> Progress:
    """Post the fleet's readings at `times` (coverage.grid) and return the progress record;
    once all is stored, record the span in the state file.

    `pause(seconds the last batch took)` -> seconds to wait before the next batch: how a
    backfill running beside live readings leaves the single writer room for them. Batches go
    out one at a time then; otherwise `workers` keep the writer busy.

    With `make_fleet` (a factory of fresh fleets) the newest hours are posted first.
    """
    progress = progress or Progress(0)
    if not times:
        progress.finished = True
        return progress
    first = fleet.sample_all(times[0])
    progress.total = max(1, sum(len(v) for _id, v in first) * len(times))
    if make_fleet is not None:
        steps = steps_newest_first(make_fleet, times)
    else:
        steps = itertools.chain([(times[0], first)], ((t, fleet.sample_all(t)) for t in times[1:]))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    report = AppReport(transport, headers, span_label(times[-1] - times[0]))
    report.send(progress, finished=False)
    slots = threading.BoundedSemaphore(1 if pause else workers * 2)

    def post(body: bytes, points: int) -> None:
        started = time.monotonic()
        try:
            response = transport.request("POST", "/api/telemetry/batch", data=body,
                                         headers=dict(headers), retries=8)
            ok = response is not None and response.status_code == 201
            progress.add(points, response.json().get("stored", 0) if ok else 0, not ok)
            report.send(progress)
            if response is not None and not ok:
                transport.stats[f"backfill_http_{response.status_code}"] += 1
            if pause is not None:
                (stop or threading.Event()).wait(pause(time.monotonic() - started))
        finally:
            slots.release()

    with ThreadPoolExecutor(1 if pause else workers, thread_name_prefix="sim-backfill") as pool:
        for items, points in chunks(steps, max_points):
            slots.acquire()
            if stop is not None and stop.is_set():
                break
            pool.submit(post, orjson.dumps(items), points)
    progress.finished = True
    report.send(progress, finished=True)
    if progress.failed == 0 and not (stop is not None and stop.is_set()):
        coverage.add(state_file, times[0], times[-1])
    progress.draw(force=True)
    if not progress.quiet and progress.stream.isatty():
        progress.stream.write("\n")
    return progress
