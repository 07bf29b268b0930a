"""The one emit helper. Everything that reaches Socket.IO clients goes through here.

`push` batches items per (event, room) into one list per emit; `coalesce` keeps only the newest
summary per (event, room), sent at most MIN_GAP_S apart; `emit` sends at once (alerts).

One emit per reading would saturate Flask-SocketIO, but a fixed flush tick makes every reading
wait for it even when nothing else is happening. So the flush is adaptive: an idle emitter sends
a reading at once, and a flush waits for the one before it by a gap that grows with load (see
`Pacer`), up to FLUSH_S, the fixed tick we used to have.
"""

import logging
import threading
import time
from collections import defaultdict

import socketio

log = logging.getLogger(__name__)
FLUSH_S = 0.05  # the longest gap between two flushes, reached under load
MIN_GAP_S = 0.5
BUSY_FACTOR = 4  # the emitter spends at most 1/BUSY_FACTOR of its time flushing
FULL_RATE = 600.0  # items/s from which flushes are FLUSH_S apart, as with a fixed tick
RATE_WINDOW_S = 0.25
BATCHES = "smartcity.batches"  # internal event through the message queue, never sent to clients


class BatchingRedisManager(socketio.RedisManager):
    """The Redis message queue, plus one message per emitter flush that carries every room's
    items. Each process hands it to its Emitter, which sends its own clients one frame per
    audience, as without a queue: sent room by room, a client watching 20 devices got 20
    frames of 2 or 3 items per flush, and 50 such clients cost more CPU than the server.
    Extends python-socketio 5's PubSubManager._handle_emit, which handles every queue message,
    ours at once in the emitting process (tests/realtime/test_live_server.py guards it)."""

    deliver = None  # the process's Emitter.deliver, set by realtime.setup

    def _handle_emit(self, message):
        if message.get("event") != BATCHES:
            return super()._handle_emit(message)
        if self.deliver is not None:
            [batches] = message["data"]
            self.deliver({(event, room): items for event, room, items in batches})


class Pacer:
    """The pause between the end of a flush and the start of the next.

    Two loads make batching worth its latency. The emitter's own cost: a flush that took d
    seconds is followed by BUSY_FACTOR * d, so frames are never sent back to back while items
    keep coming. And the item rate: through Redis a flush costs this process one publish while
    every process delivers it, so the cost cannot be seen here; the gap grows with the cube of
    the rate, FLUSH_S at FULL_RATE and above (so under load no client gets more frames per
    second than with the old fixed tick; the rate is measured over RATE_WINDOW_S and wobbles,
    hence a FULL_RATE below the 1,000 items/s of the load target), ~2 ms at 200 items/s,
    nothing when idle."""

    def __init__(self):
        self.gap = 0.0
        self.rate = 0.0
        self._counted = 0
        self._window_start = time.monotonic()

    def count(self, items: int) -> None:
        self._counted += items

    def flushed(self, started: float, duration: float) -> float:
        """Record a flush; return the pause before the next may start."""
        elapsed = started - self._window_start
        if elapsed >= RATE_WINDOW_S:
            current = self._counted / elapsed
            # A long window was a quiet spell: the rate before it says nothing about now.
            stale = elapsed > 2 * RATE_WINDOW_S
            self.rate = current if stale else 0.5 * (self.rate + current)
            self._counted, self._window_start = 0, started
        by_rate = FLUSH_S * min(1.0, (self.rate / FULL_RATE) ** 3)
        self.gap = min(FLUSH_S, max(BUSY_FACTOR * duration, by_rate))
        return self.gap


class Emitter:
    def __init__(self, socketio):
        self.socketio = socketio
        self._lock = threading.Lock()
        self._batches: dict[tuple[str, str], list] = defaultdict(list)
        self._latest: dict[tuple[str, str], object] = {}
        self._last_sent: dict[tuple[str, str], float] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._pacer = Pacer()
        self.stats = {"emits": 0, "items": 0}

    def emit(self, event: str, payload, room) -> None:
        """Send now to a room (or a list of rooms; each client gets it once)."""
        self.socketio.emit(event, payload, to=room)
        self.stats["emits"] += 1

    def has_audience(self, room: str) -> bool:
        """Whether an emit to `room` may reach anyone. Through a message queue clients of other
        processes may be in it, so always; otherwise only if a client of ours is."""
        manager = self.socketio.server.manager
        if isinstance(manager, socketio.PubSubManager):
            return True
        return bool(manager.rooms.get("/", {}).get(room))

    def push(self, event: str, room: str, item) -> None:
        with self._lock:
            self._batches[(event, room)].append(item)
            self._pacer.count(1)
        self._ensure_thread()
        self._wake.set()

    def coalesce(self, event: str, room: str, summary) -> None:
        with self._lock:
            self._latest[(event, room)] = summary
        self._ensure_thread()
        self._wake.set()

    def flush(self) -> bool:
        """Send what is due; whether anything was sent."""
        with self._lock:
            batches, self._batches = self._batches, defaultdict(list)
            now = time.monotonic()
            due = {k: v for k, v in self._latest.items()
                   if now - self._last_sent.get(k, 0.0) >= MIN_GAP_S}
            for key in due:
                del self._latest[key]
                self._last_sent[key] = now
        if batches:
            self._emit_batches(batches)
        for (event, room), summary in due.items():
            self.socketio.emit(event, summary, to=room)
            self.stats["emits"] += 1
        return bool(batches or due)

    def _emit_batches(self, batches: dict) -> None:
        if isinstance(self.socketio.server.manager, BatchingRedisManager):
            # One message to every process (this one handles it at once), each delivering to
            # its own clients.
            self.socketio.emit(BATCHES, [[event, room, items]
                                         for (event, room), items in batches.items()], to=BATCHES)
            return
        self.deliver(batches)

    def deliver(self, batches: dict) -> None:
        """Send {(event, room): items} to this process's clients: one frame per client per
        flush, so a client watching 20 devices gets one list, not 20 frames. Clients in the
        same rooms get the same frame, encoded once."""
        manager = self.socketio.server.manager
        rooms_of: dict[tuple[str, str], list[str]] = defaultdict(list)  # (event, sid) -> rooms
        for event, room in batches:
            for sid, _eio_sid in manager.get_participants("/", room):
                rooms_of[(event, sid)].append(room)
        audiences: dict[tuple[str, tuple], list[str]] = defaultdict(list)
        for (event, sid), rooms in rooms_of.items():
            audiences[(event, tuple(rooms))].append(sid)
        for (event, rooms), sids in audiences.items():
            items = [item for room in rooms for item in batches[(event, room)]]
            self._send(event, items, sids)

    def _send(self, event: str, items: list, to) -> None:
        # Our own clients only: through a message queue every process delivers its own.
        self.socketio.emit(event, items, to=to, ignore_queue=True)
        self.stats["emits"] += 1
        self.stats["items"] += len(items) * (len(to) if isinstance(to, list) else 1)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="socketio-emitter",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        not_before = 0.0
        while True:
            # Held summaries become due without a new item: look again every FLUSH_S.
            self._wake.wait(FLUSH_S if self._latest else None)
            if self._stop.is_set():
                return
            pause = not_before - time.monotonic()
            if pause > 0 and self._stop.wait(pause):
                return
            # Cleared before the flush takes the batches: an item pushed from here on wakes
            # the next round, so none is left behind.
            self._wake.clear()
            started = time.monotonic()
            try:
                sent = self.flush()
            except Exception:
                log.exception("emitter flush failed")
                sent = True
            if sent:
                ended = time.monotonic()
                not_before = ended + self._pacer.flushed(started, ended - started)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.flush()


def get_emitter(app) -> Emitter | None:
    return app.extensions.get("smartcity.emitter")
