"""The real production server for tests: gunicorn with the shipped gunicorn.conf.py, one worker,
on a free loopback port, from the project directory; stopped when the block ends."""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.broker import ROOT, free_port


class Gunicorn:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path):
        self.proc, self.port, self.log = proc, port, log
        self.url = f"http://127.0.0.1:{port}"

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def worker_rss_kib(self) -> int:
        """Resident memory of the (single) worker process, KiB."""
        for pid in self.worker_pids():
            with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        return 0


@contextlib.contextmanager
def gunicorn(tmp: Path, database_url: str, threads: int = 4, settings: dict | None = None,
             access_log: bool = False):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "MQTT_URL", "DATABASE_URL", "SMARTCITY_ENV")}
    env.update({"DATABASE_URL": database_url, "WEB_CONCURRENCY": "1",
                "GUNICORN_CMD_ARGS": f"--threads {threads}"
                + (" --access-logfile -" if access_log else ""),  # off in gunicorn.conf.py
                "START_BACKGROUND": "false",
                "MQTT_INGEST": "false", "PYTHONUNBUFFERED": "1", **(settings or {})})
    log_path = tmp / "gunicorn.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                             "--bind", f"127.0.0.1:{port}", "app:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    server = Gunicorn(proc, port, log_path)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            try:
                requests.get(f"{server.url}/api/health", timeout=30)  # the worker may still boot
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
