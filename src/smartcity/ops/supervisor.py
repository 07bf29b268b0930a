"""`run.py serve-prod`: N single-worker gunicorn processes on consecutive ports plus the MQTT
ingest worker, all from the same settings, in the foreground.

One gunicorn worker per process (not one gunicorn with N workers) because Socket.IO's
long-polling needs every request of a session to reach the process that holds it: nginx's
`ip_hash` can pin a client to a port, but not to one worker behind it. The processes share
Socket.IO events, rate limits and device-cache invalidation through REDIS_URL.

Supervisor-friendly: nothing is daemonised, logs go to stdout/stderr, SIGTERM or SIGINT stops
every child gracefully. A child that exits is started again after a pause; one that keeps
failing (MAX_RESTARTS within RESTART_WINDOW_S) stops everything with exit status 1, so that
systemd or supervisord sees the failure instead of a silent restart loop.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0
RESTART_PAUSE_S = 1.0
STOP_TIMEOUT_S = 35.0  # gunicorn's graceful_timeout (30 s) and a margin


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    starts: list[float] = field(default_factory=list)

    def start(self, cwd: Path) -> None:
        self.starts = [t for t in self.starts if time.monotonic() - t < RESTART_WINDOW_S]
        self.starts.append(time.monotonic())
        self.proc = subprocess.Popen(self.command, cwd=cwd, env=self.env)
        print(f"serve-prod: {self.name} started (pid {self.proc.pid})", flush=True)

    @property
    def failing(self) -> bool:
        return len(self.starts) > MAX_RESTARTS


def plan(processes: int, host: str, port: int, worker: bool,
         environ: dict[str, str] | None = None) -> list[Child]:
    """The children to run: `processes` web processes on port, port+1, ... and the worker."""
    environ = dict(os.environ if environ is None else environ)
    python = sys.executable
    web_env = {**environ, "WEB_CONCURRENCY": "1"}
    if worker:
        web_env["MQTT_INGEST"] = "false"  # the worker consumes; web processes only publish
    children = [
        Child(f"web:{port + i}",
              [python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"{host}:{port + i}",
               "app:app"],
              web_env)
        for i in range(processes)]
    if worker:
        children.append(Child("ingest-worker", [python, "run.py", "ingest-worker"], environ))
    return children


def run(children: list[Child], cwd: Path) -> int:
    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    for child in children:
        child.start(cwd)
    status = 0
    while not stopping.wait(0.5):
        for child in children:
            code = child.proc.poll()
            if code is None:
                continue
            print(f"serve-prod: {child.name} exited with status {code}", flush=True)
            if child.failing:
                print(f"serve-prod: {child.name} keeps failing; stopping everything",
                      file=sys.stderr, flush=True)
                status = 1
                stopping.set()
                break
            time.sleep(RESTART_PAUSE_S)
            child.start(cwd)
    _stop_all(children)
    return status


def _stop_all(children: list[Child]) -> None:
    running = [c for c in children if c.proc and c.proc.poll() is None]
    for child in running:
        child.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in running:
        try:
            child.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.proc.kill()
            child.proc.wait()
        print(f"serve-prod: {child.name} stopped", flush=True)
