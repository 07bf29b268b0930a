"""`run.py demo` (what `make run` runs after migrating and seeding): the server and the simulator
as child processes — live readings first, seven days of history filling in behind — stopped
together on Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from smartcity.config import Config

STOP_TIMEOUT_S = 15


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1" if host in ("0.0.0.0", "") else host, port)) == 0


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            if requests.get(f"{url}/api/health", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run(host: str, port: int) -> int:
    instance = Config.INSTANCE_DIR
    if _port_taken(host, port):
        print(f"error: port {port} is in use; try `PORT={port + 1} make run`", file=sys.stderr)
        return 2
    run_py = os.path.abspath(sys.argv[0])
    log_path = instance / "demo-server.log"
    instance.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    local = f"http://127.0.0.1:{port}"
    # Children get sessions of their own, so that Ctrl-C reaches only us and we stop them in
    # order: the simulator first (its devices say goodbye), then the server.
    with open(log_path, "a") as log:
        server = subprocess.Popen([sys.executable, run_py, "serve", "--host", host,
                                   "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        # The simulator starts at once: it prepares its devices while the server boots, and
        # waits for it before sending anything.
        transport = "mqtt" if Config.from_environment().get("MQTT_URL") else "http"
        simulator = subprocess.Popen(
            [sys.executable, run_py, "simulate", "--transport", transport, "--url", local,
             "--backfill", "7d", "--resolution", "5m", "--live"], start_new_session=True)
        try:
            if not _wait_healthy(local, server):
                print(f"error: the server did not start; see {log_path}", file=sys.stderr)
                return 1
            _banner(f"http://{host}:{port}", instance, log_path, transport)
            while not stop.wait(0.5):
                if server.poll() is not None:
                    print(f"error: the server stopped; see {log_path}", file=sys.stderr)
                    return 1
                if simulator.poll() is not None:
                    print("error: the simulator stopped", file=sys.stderr)
                    return 1
            print("\nstopping the simulator and the server ...", file=sys.stderr)
            return 0
        finally:
            _stop(simulator)
            _stop(server)


def _banner(url: str, instance: Path, log_path: Path, transport: str) -> None:
    credentials = instance / "demo-credentials.txt"
    login = credentials.read_text().strip().replace("\n", ", ") if credentials.is_file() \
        else "(no demo login: this database has its own users)"
    print(f"\n  smartcity demo city at {url}\n  login: {login}\n"
          f"  live readings over {transport}; 7 days of history fill in behind\n"
          f"  server log: {log_path}\n  Ctrl-C stops everything\n", flush=True)
