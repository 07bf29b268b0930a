"""One `simulate` run: the city from the keys file and the events asked for, then history only,
or live with history filling in behind."""

import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from smartcity.config import Config
from smartcity.simulator import backfill, coverage, inject, transports
from smartcity.simulator.city import generate_city
from smartcity.simulator.failures import Failures
from smartcity.simulator.fleet import Fleet
from smartcity.simulator.keyfile import read_keys
from smartcity.simulator.model import City
from smartcity.simulator.runner import LiveOptions, Runner
from smartcity.timeutil import parse_time


@dataclass
class Setup:
    args: object
    keys: dict
    city: City
    seed: int
    t0: float  # live runs start here; history ends here
    span: float  # seconds of history
    resolution: float
    events: list
    stop: threading.Event
    state_file: Path
    control_file: Path

    @property
    def live(self) -> bool:
        return bool(self.args.live or not self.args.backfill)

    def fleet(self) -> Fleet:
        return Fleet(self.seed, self.args.devices, self.events, self.city)


def start_time(args, now: float) -> float:
    if args.start:
        return parse_time(args.start, "start", int(now * 1000)) / 1000
    if args.speed > 1 and not args.backfill:
        if not args.duration:
            raise ValueError("--speed above 1 needs --duration (or --start): readings may not "
                             "lie in the future")
        return now - inject.seconds(args.duration) * (args.speed - 1)
    return now


def prepare(args, state_file: Path, control_file: Path) -> Setup:
    if not args.keys.is_file():
        raise FileNotFoundError(f"{args.keys} not found: run `python run.py seed-demo` first")
    keys = read_keys(args.keys)
    city = generate_city(keys["seed"])
    seed = keys["seed"] if args.seed is None else args.seed
    t0 = start_time(args, time.time())
    span = inject.seconds(args.backfill) if args.backfill else 0.0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    setup = Setup(args, keys, city, seed, t0, span, inject.seconds(args.resolution), [], stop,
                  state_file, control_file)
    origin = t0 if setup.live else t0 - span  # delays count from the start of what runs
    for spec in args.inject:
        kind, target, delay, duration = inject.parse_spec(spec)
        setup.events.append(inject.plan(kind, city, origin + delay, duration, target, seed))
    return setup


def wait_for_app(url: str, stop: threading.Event, timeout: float = 120.0) -> None:
    """The server may still be starting (`run.py demo` starts both at once)."""
    deadline = time.monotonic() + timeout
    while not stop.is_set():
        try:
            if requests.get(f"{url.rstrip('/')}/api/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise ValueError(f"the app at {url} does not answer")
        stop.wait(0.5)


def history_only(s: Setup) -> int:
    wait_for_app(s.args.url, s.stop)
    times = coverage.grid(s.t0 - s.span, s.t0, s.resolution)
    progress = backfill.run(s.fleet(), transports.HttpTransport(s.args.url, {}),
                            s.keys["service_account"]["token"], times, stop=s.stop,
                            state_file=s.state_file, make_fleet=s.fleet)
    print(f"history: {progress.stored} points stored, {progress.failed} failed", file=sys.stderr)
    return 0 if progress.failed == 0 and not s.stop.is_set() else 1


def _transport(s: Setup, fleet: Fleet):
    if s.args.transport == "mqtt":
        url = s.args.mqtt_url or Config.from_environment().get("MQTT_URL")
        if not url:
            raise ValueError("--transport mqtt needs --mqtt-url or MQTT_URL")
        return transports.MqttTransport(url, list(fleet.devices), keys=s.keys["devices"])
    return transports.HttpTransport(s.args.url, s.keys["devices"], s.args.concurrency)


def _history(s: Setup, times: list[float], live_transport) -> tuple[threading.Thread,
                                                                     backfill.Progress]:
    """History behind live readings: small batches, one at a time, each followed by a rest that
    grows while live readings wait (the app has one writer; on SQLite, one write lock)."""
    def pause(took: float) -> float:
        slow = getattr(live_transport, "latency", 0.0)
        return 0.5 * took + (min(5.0, 4 * slow) if slow > 0.5 else 0.0)

    progress = backfill.Progress(0, quiet=True)
    thread = threading.Thread(
        target=backfill.run, name="sim-history", daemon=True,
        args=(s.fleet(), transports.HttpTransport(s.args.url, {}),
              s.keys["service_account"]["token"], times, progress, s.stop),
        kwargs={"max_points": backfill.LIVE_FRIENDLY_POINTS, "state_file": s.state_file,
                "pause": pause, "make_fleet": s.fleet})
    return thread, progress


def live(s: Setup) -> int:
    args, fleet = s.args, s.fleet()
    times: list[float] = []
    if args.backfill:
        # History only where no earlier run left readings: a second series on the same times
        # would be ignored (first write wins) and between them it would interleave.
        times = coverage.grid(s.t0 - s.span, s.t0, s.resolution, coverage.load(s.state_file))
        fleet.warm_up(times)  # the live devices carry on exactly where history ends
    if args.transport == "http" or times:
        wait_for_app(args.url, s.stop)
    transport = _transport(s, fleet)
    history, progress = _history(s, times, transport) if times else (None, None)
    options = LiveOptions(
        speed=args.speed, rate=args.rate, poll_s=args.poll,
        duration=inject.seconds(args.duration) if args.duration else None,
        random_events_per_day=args.random_events, control_file=s.control_file,
        state_file=s.state_file, quiet=args.quiet,
        failures=Failures(args.drop_rate, args.burst_rate, args.reorder_rate,
                          args.duplicate_rate, args.malformed_rate))
    runner = Runner(fleet, transport, options, s.t0, inbox=getattr(transport, "inbox", None),
                    progress=progress)
    threading.Thread(target=lambda: (s.stop.wait(), runner.stop.set()), daemon=True).start()
    runner.say(f"{len(fleet.devices)} devices of {s.city.assets['city'].name} over "
               f"{args.transport}" + (f", {args.backfill} of history behind" if history else ""))
    if args.backfill and not history:
        runner.say(f"history: nothing to fill, earlier runs covered the last {args.backfill}")
    for event in s.events:
        runner.announce(event)
    if history:
        history.start()
    try:
        runner.run()
    finally:
        transport.close()
    if history:
        while history.is_alive() and not s.stop.is_set():
            history.join(1.0)
        runner.say(progress.summary())
    return 0
