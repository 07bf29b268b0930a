"""A production-shaped stack on loopback: `run.py serve-prod` (two gunicorn processes and the
ingest worker) behind Debian's nginx running the shipped nginx.conf, with a Redis, a Mosquitto
and a database of its own (PostgreSQL under CI). Started once per module (~15 s); tests drive it
from outside only, over HTTP, MQTT and Socket.IO: the suite's per-test table wipe and its
in-process app never touch it."""

import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from smartcity.config import test_database_url
from tests.broker import ADMIN, PLATFORM, ROOT, broker_config, free_port, wait_port
from tests.conftest import _drop_postgres_test_db, _migrated, _postgres_test_url

DB_NAME = f"smartcity_deploy_{os.getpid()}"
# Short enough that test_the_scheduler_runs_each_job_once... sees several runs in seconds.
SCHEDULER_TICK_S, EXPIRY_INTERVAL_S = 1, 3
_names = itertools.count(1)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
STATIC_ROOT = ROOT / "src" / "smartcity" / "dashboard"  # nginx's root: /static/ lies under it


def require_binary(path: str, services, why: str) -> None:
    if not Path(path).exists():
        if services["CI"]:
            pytest.fail(f"CI=true requires {why} ({path}); `make test` installs it",
                        pytrace=False)
        pytest.skip(f"{why} not installed")


def nginx_config(tmp: Path, port: int, upstreams: list[int]) -> Path:
    """The shipped nginx.conf with its listener, upstream servers and paths moved to loopback
    and `tmp`; everything else (limits, headers, locations) is exactly what ships."""
    text = (ROOT / "nginx.conf").read_text()
    servers = "".join(f"server 127.0.0.1:{p};\n        " for p in upstreams)
    text = re.sub(r"server app:8000;\n\s*", servers, text)
    text = text.replace("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
    text = text.replace("pid /tmp/nginx.pid;", f"pid {tmp}/nginx.pid;")
    text = text.replace("error_log /dev/stderr warn;", f"error_log {tmp}/nginx-error.log warn;")
    text = text.replace("access_log /dev/stdout main;", f"access_log {tmp}/nginx-access.log main;")
    text = text.replace("root /srv/smartcity;", f"root {STATIC_ROOT};")
    # Running as root (CI), nginx's workers drop to `nobody`; keep the user that started it.
    text = "user root;\n" + text if os.geteuid() == 0 else text
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        text = text.replace("http {", f"http {{\n    {name}_temp_path {tmp}/{name}_temp;", 1)
    path = tmp / "nginx.conf"
    path.write_text(text)
    return path


class Stack:
    def __init__(self, tmp: Path, database_url: str):
        self.tmp = tmp
        self.database_url = database_url
        self.procs: dict[str, subprocess.Popen] = {}
        self.admin_token: str | None = None
        self.web_ports = [free_port()]
        while (nxt := self.web_ports[0] + 1) and not _port_free(nxt):
            self.web_ports = [free_port()]
        self.web_ports.append(self.web_ports[0] + 1)
        self.redis_port, self.mqtt_port, self.port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url,
                    "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                    "MQTT_URL": f"mqtt://{PLATFORM[0]}:{PLATFORM[1]}@127.0.0.1:{self.mqtt_port}",
                    "MQTT_ADMIN_USERNAME": ADMIN[0], "MQTT_ADMIN_PASSWORD": ADMIN[1],
                    "MQTT_CLIENT_ID": f"deploy-{uuid.uuid4().hex[:8]}",
                    "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40,
                    "PYTHONUNBUFFERED": "1", "LOG_FORMAT": "json",
                    "PROXY_FIX": "1", "FORWARDED_ALLOW_IPS": "127.0.0.1",
                    "SCHEDULER_TICK_S": str(SCHEDULER_TICK_S),
                    "COMMAND_EXPIRY_INTERVAL": str(EXPIRY_INTERVAL_S)}

    def web(self, index: int) -> str:
        return f"http://127.0.0.1:{self.web_ports[index]}"

    def spawn(self, name: str, args: list[str], **kwargs) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text()

    def start(self) -> None:
        self.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no"])
        self.spawn("mosquitto", [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c",
                                 str(broker_config(self.tmp, self.mqtt_port))])
        wait_port(self.redis_port)
        wait_port(self.mqtt_port)
        # serve-prod runs from the project directory (gunicorn.conf.py, app.py live there).
        self.spawn("serve-prod", [sys.executable, "run.py", "serve-prod", "--processes", "2",
                                  "--port", str(self.web_ports[0])],
                   cwd=ROOT, env=self.env, start_new_session=True)
        config = nginx_config(self.tmp, self.port, self.web_ports)
        check = subprocess.run([NGINX, "-t", "-c", str(config), "-p", str(self.tmp)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.spawn("nginx", [NGINX, "-c", str(config), "-p", str(self.tmp), "-g",
                             "daemon off;"])
        for port in self.web_ports:
            wait_port(port, 60)
        wait_port(self.port)
        deadline = time.monotonic() + 60
        while "consuming" not in self.log("serve-prod"):
            assert time.monotonic() < deadline, self.log("serve-prod")[-3000:]
            time.sleep(0.2)

    def stop(self) -> None:
        serve = self.procs.get("serve-prod")
        if serve and serve.poll() is None:
            os.killpg(serve.pid, signal.SIGTERM)
            try:
                serve.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(20)

    def login(self, base: str, username: str, password: str) -> dict:
        answer = requests.post(f"{base}/api/auth/login", timeout=20,
                               json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def create_admin(self) -> None:
        self.admin = (f"admin{os.getpid()}", "deploy-admin-password-1")
        subprocess.run([sys.executable, "run.py", "create-admin", "--username", self.admin[0],
                        "--password", self.admin[1]], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)

    def admin_headers(self) -> dict:
        # One sign-in for the module: LOGIN_RATE_LIMIT counts every sign-in from 127.0.0.1.
        if not self.admin_token:
            self.admin_token = self.login(self.url, *self.admin)["access_token"]
        return {"Authorization": f"Bearer {self.admin_token}"}

    def make_user(self, role: str) -> tuple[str, str]:
        name, password = f"{role}{next(_names)}", "correct-horse-battery"
        answer = requests.post(f"{self.url}/api/users", headers=self.admin_headers(), timeout=20,
                               json={"username": name, "password": password, "role": role,
                                     "email": f"{name}@deploy.test"})
        assert answer.status_code == 201, answer.text
        return name, password

    def make_device(self, device_id: str) -> str:
        answer = requests.post(f"{self.url}/api/devices", headers=self.admin_headers(),
                               timeout=20, json={"id": device_id, "type": "air_quality_station"})
        assert answer.status_code == 201, answer.text
        return answer.json()["api_key"]


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def stack(tmp_path_factory, services):
    require_binary(NGINX, services, "Debian's nginx")
    require_binary(shutil.which("redis-server") or "/usr/bin/redis-server", services,
                   "redis-server")
    require_binary(shutil.which("mosquitto") or "/usr/sbin/mosquitto", services, "mosquitto")
    tmp = tmp_path_factory.mktemp("deploy")
    base = test_database_url()
    postgres = bool(base and base.startswith("postgresql"))
    if services["CI"] and not postgres:
        pytest.fail("CI=true requires DATABASE_URL pointing at PostgreSQL", pytrace=False)
    url = _migrated(_postgres_test_url(base, DB_NAME) if postgres
                    else f"sqlite:///{tmp / 'deploy.db'}")
    stack = Stack(tmp, url)
    try:
        stack.create_admin()
        stack.start()
        yield stack
    finally:
        stack.stop()
        if postgres:
            _drop_postgres_test_db(base, DB_NAME)
