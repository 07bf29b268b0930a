"""`run.py simulate`: the options, and wiring fleet, transport, runner and backfill together.

Heavy imports wait until the command runs, so that building the CLI parser stays cheap.
"""

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

DEFAULT_KEYS = Path("instance") / "demo-keys.json"
CONTROL_FILE = Path("instance") / "simulator-control"
STATE_FILE = Path("instance") / "simulator-state.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--transport", choices=("http", "mqtt"), default="http")
    add("--url", default="http://127.0.0.1:5000", help="the app, for HTTP and the backfill")
    add("--mqtt-url", help="broker for --transport mqtt (default: MQTT_URL)")
    add("--keys", type=Path, default=DEFAULT_KEYS, help="written by seed-demo")
    add("--rate", type=float, help="readings per second for the whole fleet (default: each "
                                   "device type on its own schedule, ~6/s for the demo city)")
    add("--devices", type=int, help="simulate only this many devices (every type included)")
    add("--duration", help="stop after this long (30s, 10m, 2h); default: until Ctrl-C")
    add("--speed", type=float, default=1.0, help="simulated seconds per second; above 1 the "
                                                 "run starts in the past and ends now")
    add("--start", help="simulated start time (ISO 8601, epoch ms or -2h); default now")
    add("--seed", type=int, help="randomness of readings and events (default: the city's)")
    add("--inject", action="append", default=[], metavar="KIND[:target][@delay][+duration]",
        help="leak, fire, congestion, sensor-fault or pollution-episode; repeatable")
    add("--to-running", action="store_true",
        help="hand the --inject events to the simulator already running, and exit")
    add("--random-events", type=float, default=0.0, metavar="PER_DAY",
        help="inject random events at this rate per simulated day")
    add("--backfill", metavar="SPAN", help="post history for this span (7d) via the batch API")
    add("--resolution", default="5m", help="step of the backfill grid")
    add("--live", action="store_true", help="with --backfill: also run live, history behind")
    add("--poll", type=float, default=15.0, help="seconds between HTTP command polls (0: off)")
    add("--concurrency", type=int, default=16, help="HTTP connections")
    for name in ("drop", "burst"):
        add(f"--{name}-rate", type=float, default=0.0, metavar="PER_HOUR",
            help=f"share of devices per simulated hour that {name} (failure drills)")
    for name, what in (("reorder", "out of order"), ("duplicate", "twice"),
                       ("malformed", "broken on purpose")):
        add(f"--{name}-rate", type=float, default=0.0, metavar="SHARE",
            help=f"share of messages sent {what}")
    add("--quiet", action="store_true", help="no status lines")


def run(args) -> int:
    from smartcity.errors import ApiError
    from smartcity.simulator import inject

    try:
        for spec in args.inject:
            inject.parse_spec(spec)
        if args.to_running:
            return _to_running(args.inject)
        return _simulate(args)
    except (ValueError, FileNotFoundError, ApiError) as exc:
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2


def _to_running(specs: list[str]) -> int:
    if not specs:
        raise ValueError("--to-running needs at least one --inject")
    CONTROL_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(CONTROL_FILE, "a") as fh:
        fh.writelines(spec + "\n" for spec in specs)
    print(f"queued {', '.join(specs)} for the running simulator ({CONTROL_FILE})")
    return 0


def _start_time(args, now: float) -> float:
    from smartcity.simulator.inject import seconds
    from smartcity.timeutil import parse_time

    if args.start:
        return parse_time(args.start, "start", int(now * 1000)) / 1000
    if args.speed > 1 and not args.backfill:
        if not args.duration:
            raise ValueError("--speed above 1 needs --duration (or --start): readings may not "
                             "lie in the future")
        return now - seconds(args.duration) * (args.speed - 1)
    return now


def _simulate(args) -> int:
    from smartcity.config import Config
    from smartcity.simulator import backfill, coverage, inject, transports
    from smartcity.simulator.city import generate_city
    from smartcity.simulator.failures import Failures
    from smartcity.simulator.fleet import Fleet
    from smartcity.simulator.keyfile import read_keys
    from smartcity.simulator.runner import LiveOptions, Runner

    if not args.keys.is_file():
        raise FileNotFoundError(f"{args.keys} not found: run `python run.py seed-demo` first")
    keys = read_keys(args.keys)
    city = generate_city(keys["seed"])
    seed = keys["seed"] if args.seed is None else args.seed
    now = time.time()
    t0 = _start_time(args, now)
    span = inject.seconds(args.backfill) if args.backfill else 0.0
    resolution = inject.seconds(args.resolution)
    live = args.live or not args.backfill
    origin = t0 if live else t0 - span
    events = []
    for spec in args.inject:
        kind, target, delay, duration = inject.parse_spec(spec)
        events.append(inject.plan(kind, city, origin + delay, duration, target, seed))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    token = keys["service_account"]["token"]

    if not live:
        fleet = Fleet(seed, args.devices, events, city)
        progress = backfill.run(fleet, transports.HttpTransport(args.url, {}), token,
                                coverage.grid(t0 - span, t0, resolution), stop=stop,
                                state_file=STATE_FILE)
        print(f"history: {progress.stored} points stored, {progress.failed} failed",
              file=sys.stderr)
        return 0 if progress.failed == 0 and not stop.is_set() else 1

    fleet = Fleet(seed, args.devices, events, city)
    history = progress = history_args = None
    times: list[float] = []
    if args.backfill:
        # History only where no earlier run left readings: a second series on the same times
        # would be ignored (first write wins) and between them it would interleave.
        times = coverage.grid(t0 - span, t0, resolution, coverage.load(STATE_FILE))
        fleet.warm_up(times)  # the live devices carry on exactly where history ends
    if times:
        progress = backfill.Progress(0, quiet=True)
        history_args = (Fleet(seed, args.devices, events, city),
                        transports.HttpTransport(args.url, {}), token, times, progress, stop)

    if args.transport == "mqtt":
        url = args.mqtt_url or Config.from_environment().get("MQTT_URL")
        if not url:
            raise ValueError("--transport mqtt needs --mqtt-url or MQTT_URL")
        transport = transports.MqttTransport(url, list(fleet.devices))
    else:
        transport = transports.HttpTransport(args.url, keys["devices"], args.concurrency)
    failures = Failures(args.drop_rate, args.burst_rate, args.reorder_rate, args.duplicate_rate,
                        args.malformed_rate)
    options = LiveOptions(
        speed=args.speed, rate=args.rate, duration=inject.seconds(args.duration)
        if args.duration else None, poll_s=args.poll, random_events_per_day=args.random_events,
        control_file=CONTROL_FILE, state_file=STATE_FILE, failures=failures, quiet=args.quiet)
    if history_args:
        # Live first: small batches, one at a time, and a rest after each that grows when
        # live readings start to wait (the app has one writer; on SQLite, one write lock).
        def pause(took: float) -> float:
            slow = getattr(transport, "latency", 0.0)
            return 0.5 * took + (min(5.0, 4 * slow) if slow > 0.5 else 0.0)

        history = threading.Thread(
            target=backfill.run, name="sim-history", daemon=True, args=history_args,
            kwargs={"max_points": backfill.LIVE_FRIENDLY_POINTS, "state_file": STATE_FILE,
                    "pause": pause})
    runner = Runner(fleet, transport, options, t0,
                    inbox=getattr(transport, "inbox", None), progress=progress)
    stop_runner = threading.Thread(target=lambda: (stop.wait(), runner.stop.set()), daemon=True)
    stop_runner.start()
    runner.say(f"{len(fleet.devices)} devices of {city.assets['city'].name} over "
               f"{args.transport}" + (f", {args.backfill} of history behind" if history else ""))
    if args.backfill and not history:
        runner.say(f"history: nothing to fill, earlier runs covered the last {args.backfill}")
    for event in events:
        runner.announce(event)
    if history:
        history.start()
    try:
        runner.run()
    finally:
        transport.close()
    if history:
        while history.is_alive() and not stop.is_set():
            history.join(1.0)
        runner.say(progress.summary())
    return 0
