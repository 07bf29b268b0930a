"""The real-time loop: devices report on their own schedules (or at --rate), obey commands and
desired configuration, and misbehave on request (failures.py)."""

import heapq
import os
import queue
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from smartcity.devices.commands_catalogue import COMMANDS
from smartcity.simulator import coverage, inject
from smartcity.simulator.base import CommandError
from smartcity.simulator.failures import DeviceLink, Failures, malformed
from smartcity.simulator.signals import UTC_OFFSET_H

HEARTBEAT_S = 120.0  # wall seconds of silence before a device says it is alive
# Types operators steer (lights, signals, valves, batteries) poll often; the rest (ping, reboot,
# a bin's reset) this many times less: every poll is a request the app must authenticate.
CONTROLLABLE = set(COMMANDS) - {"smart_bin"}
OTHERS_POLL_FACTOR = 8
CONFIG_EVERY = 4  # polls between two fetches of the desired configuration
STATE_EVERY_S = 30.0
FIRST_WITHIN_S = 8.0


@dataclass
class LiveOptions:
    speed: float = 1.0  # simulated seconds per wall second
    rate: float | None = None  # readings per second for the whole fleet (default: per type)
    duration: float | None = None  # wall seconds
    poll_s: float = 15.0  # HTTP devices fetch commands this often (0: never)
    random_events_per_day: float = 0.0
    control_file: Path | None = None  # `simulate --inject ... --to-running` appends here
    state_file: Path | None = None  # coverage.py: the times this run has readings for
    stats_every: float = 15.0
    failures: Failures = field(default_factory=Failures)
    quiet: bool = False


class Runner:
    def __init__(self, fleet, transport, options: LiveOptions, start_t: float,
                 inbox: queue.Queue | None = None, progress=None, stream=None):
        self.fleet, self.transport, self.options = fleet, transport, options
        self.start_t, self.progress = start_t, progress
        self.stream = stream or sys.stderr
        self.inbox = inbox if inbox is not None else queue.Queue()
        self.rng = random.Random(f"{fleet.seed}:runner")
        self.links = {device_id: DeviceLink() for device_id in fleet.devices}
        self.gateway_of = {d.id: d.spec.gateway_id for d in fleet.devices.values()
                           if transport.gateways and d.spec.gateway_id in fleet.devices}
        self.gateway_items: dict[str, list] = {}
        self.config_versions: dict[str, int] = {}
        self.last_contact: dict[str, float] = {}
        self.readings = 0
        self.stop = threading.Event()
        self.wall0 = time.monotonic()
        self._state_saved = self.wall0

    # -- time ----------------------------------------------------------------------------------
    def sim_time(self, wall: float) -> float:
        return self.start_t + (wall - self.wall0) * self.options.speed

    def interval_wall(self, device) -> float:
        if self.options.rate:
            return max(len(self.fleet.devices) / self.options.rate, 0.001)
        return device.interval_s / self.options.speed

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> None:
        self.wall0 = time.monotonic()
        # Everyone reports within the first seconds (spread out: no thundering herd).
        due = [(self.wall0 + self.rng.uniform(0, min(self.interval_wall(d), FIRST_WITHIN_S)),
                d.id) for d in self.fleet.devices.values()]
        polls = []
        if self.options.poll_s > 0 and self.transport.polls:
            polls = [(self.wall0 + self.rng.uniform(0, self.options.poll_s), 0, d.id)
                     for d in self.fleet.devices.values()]
        heapq.heapify(due)
        heapq.heapify(polls)
        next_tick, next_stats = self.wall0, self.wall0 + self.options.stats_every
        while not self.stop.is_set():
            now = time.monotonic()
            if self.options.duration and now - self.wall0 >= self.options.duration:
                break
            self.handle_inbox()
            while due and due[0][0] <= now:
                when, device_id = heapq.heappop(due)
                self.emit(device_id, now)
                step = self.interval_wall(self.fleet.devices[device_id])
                heapq.heappush(due, (when + step if when + step > now else now + step, device_id))
            while polls and polls[0][0] <= now:
                _when, n, device_id = heapq.heappop(polls)
                self.transport.poll(device_id, n % CONFIG_EVERY == 0, self.inbox)
                every = self.options.poll_s * (1 if self.fleet.devices[device_id].spec.type
                                               in CONTROLLABLE else OTHERS_POLL_FACTOR)
                heapq.heappush(polls, (now + every, n + 1, device_id))
            if now >= next_tick:
                next_tick = now + 1.0
                self.tick(now)
            if now >= next_stats and self.options.stats_every:
                next_stats = now + self.options.stats_every
                self.print_stats(now)
            wake = min([next_tick] + [q[0][0] for q in (due, polls) if q])
            self.stop.wait(min(max(wake - time.monotonic(), 0.0), 0.2))
        self.print_stats(time.monotonic())
        self.save_state(time.monotonic())

    def tick(self, now: float) -> None:
        """Once a second: reconnect devices, heartbeats, injections, random events."""
        for device_id, link in self.links.items():
            if link.offline_until is not None and now >= link.offline_until:
                self.reconnect(device_id)
            elif link.offline_until is None and now - self.last_contact.get(
                    device_id, -HEARTBEAT_S) >= HEARTBEAT_S:
                self.transport.heartbeat(device_id)
                self.last_contact[device_id] = now
        t = self.sim_time(now)
        if now - self._state_saved >= STATE_EVERY_S:
            self.save_state(now)
        self.read_control_file(t)
        per_day = self.options.random_events_per_day
        if per_day and self.rng.random() < per_day / 86_400 * self.options.speed:
            kind = self.rng.choice(inject.KINDS)
            self.add_event(inject.plan(kind, self.fleet.city, t, seed=self.fleet.seed))

    # -- readings ------------------------------------------------------------------------------
    def emit(self, device_id: str, wall: float) -> None:
        device = self.fleet.devices[device_id]
        t = self.sim_time(wall)
        values = device.sample(t)
        if device.spec.type == "gateway":
            items = self.gateway_items.pop(device_id, [])
            if items and self.links[device_id].offline_until is None:
                self.transport.send_gateway(device_id, items)
                self.last_contact[device_id] = wall
            return
        if not values:
            return
        reading = {"ts": int(t * 1000), "values": values}
        gateway = self.gateway_of.get(device_id)
        if gateway:
            self.gateway_items.setdefault(gateway, []).append({"device_id": device_id, **reading})
            self.readings += 1
            self.last_contact[device_id] = wall
            return
        self.deliver(device_id, reading, wall)

    def deliver(self, device_id: str, reading: dict, wall: float) -> None:
        link, f, rng = self.links[device_id], self.options.failures, self.rng
        if link.offline_until is not None:
            link.keep(reading)
            return
        hours = self.interval_wall(self.fleet.devices[device_id]) * self.options.speed / 3600
        if f.drop_rate and rng.random() < f.drop_rate * hours:
            link.offline_until = wall + rng.uniform(120, 900) / self.options.speed
            self.transport.drop(device_id)
            link.keep(reading)
            return
        if link.hold_left > 0 or (f.burst_rate and rng.random() < f.burst_rate * hours):
            link.hold_left = link.hold_left - 1 if link.hold_left else rng.randint(5, 20)
            link.keep(reading)
            if link.hold_left == 0:
                self.send(device_id, link.take(), wall)
            return
        if f.reorder_rate and link.held is None and rng.random() < f.reorder_rate:
            link.held = reading
            return
        self.send(device_id, reading, wall)
        if link.held is not None:
            self.send(device_id, link.held, wall)
            link.held = None
        if f.duplicate_rate and rng.random() < f.duplicate_rate:
            self.send(device_id, reading, wall)

    def send(self, device_id: str, reading, wall: float) -> None:
        """One reading (a dict) or a flushed buffer (a list of them)."""
        if (self.options.failures.malformed_rate and isinstance(reading, dict)
                and self.rng.random() < self.options.failures.malformed_rate):
            body = malformed(self.rng, reading)
            self.transport.stats["malformed"] += 1
        else:
            body = orjson.dumps(reading)
        self.transport.send(device_id, body)
        self.readings += len(reading) if isinstance(reading, list) else 1
        self.last_contact[device_id] = wall

    def reconnect(self, device_id: str) -> None:
        link = self.links[device_id]
        link.offline_until = None
        self.transport.restore(device_id)
        buffered = link.take()
        if buffered:
            self.send(device_id, buffered, time.monotonic())

    # -- control -------------------------------------------------------------------------------
    def handle_inbox(self) -> None:
        while True:
            try:
                device_id, kind, body = self.inbox.get_nowait()
            except queue.Empty:
                return
            if device_id not in self.fleet.devices or not isinstance(body, dict):
                continue
            if kind == "command":
                self.obey(device_id, body)
            elif kind == "config":
                self.configure(device_id, body)

    def obey(self, device_id: str, command: dict) -> None:
        device = self.fleet.devices[device_id]
        device.world.at(self.sim_time(time.monotonic()))
        try:
            result = device.command(command.get("name"), dict(command.get("params") or {}))
            answer = {"status": "succeeded", "result": result}
        except (CommandError, TypeError, ValueError) as exc:
            answer = {"status": "failed", "error": str(exc)}
        self.transport.respond(device_id, command["id"], answer)
        self.transport.stats[f"commands_{answer['status']}"] += 1
        self.emit(device_id, time.monotonic())  # show the effect at once

    def configure(self, device_id: str, document: dict) -> None:
        version = document.get("version", 0)
        if not isinstance(version, int) or version <= self.config_versions.get(device_id, -1):
            return
        self.config_versions[device_id] = version
        config = document.get("config") or {}
        if not config:
            return
        reported = self.fleet.devices[device_id].configure(config)
        self.transport.report(device_id, {k: reported[k] for k in config if k in reported})
        self.emit(device_id, time.monotonic())

    # -- events --------------------------------------------------------------------------------
    def add_event(self, event: inject.Event) -> None:
        self.fleet.world.events.append(event)
        self.announce(event)

    def announce(self, event: inject.Event) -> None:
        self.say(f"event {event.kind} at {event.target} from {local(event.start)} "
                 f"to {local(event.end)}")

    def read_control_file(self, t: float) -> None:
        path = self.options.control_file
        if path is None or not path.is_file():
            return
        taken = path.with_suffix(".taking")
        os.replace(path, taken)
        for line in taken.read_text().splitlines():
            if not line.strip():
                continue
            try:
                kind, target, delay, span = inject.parse_spec(line)
                self.add_event(inject.plan(kind, self.fleet.city, t + delay, span, target,
                                           self.fleet.seed))
            except ValueError as exc:
                self.say(f"ignored {line!r}: {exc}")
        taken.unlink()

    def save_state(self, now: float) -> None:
        """Record the simulated time this run has covered (see coverage.py)."""
        self._state_saved = now
        coverage.add(self.options.state_file, self.start_t, self.sim_time(now))

    # -- output --------------------------------------------------------------------------------
    def say(self, message: str) -> None:
        if not self.options.quiet:
            self.stream.write(f"simulator: {message}\n")
            self.stream.flush()

    def print_stats(self, now: float) -> None:
        elapsed = max(now - self.wall0, 1e-6)
        stats = self.transport.stats
        offline = sum(1 for link in self.links.values() if link.offline_until is not None)
        events = sorted({e.kind for e in self.fleet.world.events
                         if e.active(self.sim_time(now))})
        outcome = (f"accepted {stats['accepted']} rejected {stats['rejected']} "
                   if self.transport.polls else f"published {stats['sent']} ")
        line = (f"{local(self.sim_time(now))} | {len(self.fleet.devices)} devices | "
                f"{self.readings} readings ({self.readings / elapsed:.1f}/s) | {outcome}"
                f"failed {stats['failed'] + stats['connection_errors']}")
        if offline:
            line += f" | offline {offline}"
        if events:
            line += f" | events {', '.join(events)}"
        if self.progress is not None and not self.progress.finished:
            line += f" | {self.progress.summary()}"
        self.say(line)


def local(t: float) -> str:
    stamp = datetime.fromtimestamp(t, UTC) + timedelta(hours=UTC_OFFSET_H)
    return stamp.strftime("%a %H:%M")

