"""`run.py simulate`: the options, and wiring fleet, transport, runner and backfill together.

Heavy imports wait until the command runs, so that building the CLI parser stays cheap.
"""

import argparse
import sys
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
    from smartcity.simulator import inject, session

    try:
        for spec in args.inject:
            inject.parse_spec(spec)
        if args.to_running:
            return _to_running(args.inject)
        setup = session.prepare(args, STATE_FILE, CONTROL_FILE)
        return session.live(setup) if setup.live else session.history_only(setup)
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
