"""Shared helpers for the benchmarks: throwaway databases, app setup, the live server, stats.

Nothing here is imported by the application; the benchmarks import it as a sibling module.
"""

import contextlib
import http.client
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Fixed, long secrets: the benchmark issues tokens in-process, the server must accept them.
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789abcdef"
JWT_SECRET_KEY = "bench-jwt-secret-0123456789abcdef0123456789abcdef"
BACKENDS = ("sqlite", "postgresql")


def log(*args) -> None:
    """Progress goes to stderr; stdout carries only the JSON document."""
    print(*args, file=sys.stderr, flush=True)


def machine_info() -> dict:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    return {"cpus": cpus, "python": platform.python_version(), "platform": platform.platform(),
            "source": source_version()}


def source_version() -> dict:
    """Which code was measured: the commit, and whether src/ had uncommitted changes."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()

    try:
        return {"commit": git("rev-parse", "--short", "HEAD"),
                "src_dirty": bool(git("status", "--porcelain", "--", "src", "app.py",
                                      "gunicorn.conf.py"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "src_dirty": None}


def machine_busy_s() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq) / tick, steal / tick


def load_report() -> dict:
    """What else the machine is doing: the benchmarks share it with whoever else runs."""
    one, five, _fifteen = os.getloadavg()
    before, t0 = machine_busy_s()[0], time.perf_counter()
    time.sleep(1.0)
    busy = (machine_busy_s()[0] - before) / (time.perf_counter() - t0)
    return {"loadavg_1m": round(one, 2), "loadavg_5m": round(five, 2),
            "busy_cores_now": round(busy, 2)}


def wait_quiet(max_wait_s: float, busy_cores: float = 0.3) -> dict:
    """Wait (up to max_wait_s) until the machine's other load stays under `busy_cores` for
    a few seconds in a row, so that timings are not someone else's; report what was seen."""
    started = time.monotonic()
    quiet_for = 0
    report = load_report()
    while time.monotonic() - started < max_wait_s:
        if report["busy_cores_now"] <= busy_cores:
            quiet_for += 1
            if quiet_for >= 3:
                break
        else:
            quiet_for = 0
        report = load_report()
    report["waited_s"] = round(time.monotonic() - started, 1)
    report["quiet"] = report["busy_cores_now"] <= busy_cores
    if max_wait_s and not report["quiet"]:
        log(f"machine still busy after {max_wait_s}s: {report}")
    return report


def percentiles(samples_s: list[float]) -> dict:
    """p50/p95/p99/max in milliseconds (nearest-rank)."""
    if not samples_s:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(samples_s)

    def rank(q):
        index = max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))
        return round(ordered[index] * 1000, 3)

    return {"n": len(ordered), "p50_ms": rank(0.50), "p95_ms": rank(0.95),
            "p99_ms": rank(0.99), "max_ms": round(ordered[-1] * 1000, 3),
            "mean_ms": round(sum(ordered) / len(ordered) * 1000, 3)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- throwaway databases ---------------------------------------------------------------------

class ThrowawayDatabase:
    """A fresh SQLite file in a temp dir, or a dedicated PostgreSQL database (CREATE/DROP
    DATABASE on the server of PG_SERVER_URL; never that URL's own database)."""

    def __init__(self, backend: str, pg_name: str, keep: bool = False):
        self.backend, self.pg_name, self.keep = backend, pg_name, keep
        self.tmpdir = tempfile.mkdtemp(prefix=f"smartcity-bench-{backend}-")
        self.url = None

    def __enter__(self):
        if self.backend == "sqlite":
            self.url = f"sqlite:///{self.tmpdir}/smartcity-bench.db"
        else:
            from sqlalchemy.engine import make_url

            base = make_url(PG_SERVER_URL)
            if base.database == self.pg_name:
                raise SystemExit("refusing to use the server URL's own database")
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            self._pg_admin(f'CREATE DATABASE "{self.pg_name}"')
            self.url = base.set(database=self.pg_name).render_as_string(hide_password=False)
        return self

    def __exit__(self, *exc):
        if self.keep:
            log(f"kept {self.url} ({self.tmpdir})")
            return
        if self.backend == "postgresql":
            with contextlib.suppress(Exception):
                self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    @staticmethod
    def _pg_admin(sql: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def path(self, name: str) -> str:
        return os.path.join(self.tmpdir, name)


def pg_dsn(sqlalchemy_url: str) -> str:
    """libpq DSN (for psycopg.connect) from a SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def pg_settings(dsn: str) -> dict:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("server_version", "shared_buffers", "synchronous_commit", "fsync",
                             "work_mem", "max_wal_size")}


# -- the application ---------------------------------------------------------------------------

def bench_app(url: str, **extra):
    """An app on `url` for setup work in this process (no background threads)."""
    from smartcity import create_app
    from smartcity.config import Config

    return create_app(Config, overrides={
        "DATABASE_URL": url, "START_BACKGROUND": False, "SECRET_KEY": SECRET_KEY,
        "JWT_SECRET_KEY": JWT_SECRET_KEY, "BCRYPT_ROUNDS": 4,
        "JWT_ACCESS_TTL": 6 * 3600, "ENV": "development", **extra})


def migrate_database(url: str) -> None:
    from smartcity import migrate
    from smartcity.database import make_engine

    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def create_devices(app, specs: list[dict]) -> dict[str, str]:
    """Create devices through the device service; return {device_id: api_key}."""
    from smartcity.devices import service
    from smartcity.extensions import db

    keys = {}
    with app.app_context():
        for spec in specs:
            device, api_key = service.create_device(spec)
            keys[device.id] = api_key
        db.session.commit()
    return keys


def admin_token(app, username: str = "bench-admin") -> str:
    from smartcity.auth import service, tokens
    from smartcity.extensions import db

    with app.app_context():
        user = service.create_user({"username": username, "password": "bench-password-123456",
                                    "role": "admin", "email": f"{username}@bench.invalid"})
        db.session.commit()
        return tokens.issue_pair(user)["access_token"]


# -- CPU accounting (where did the time go?) ---------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_times(pid: int) -> tuple[float, float]:
    """(CPU seconds used, start time in seconds since boot) of a process; (0, 0) if gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK, int(fields[19]) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0, 0.0


def _cpu_of(pid: int) -> float:
    return _proc_times(pid)[0]


def _uptime() -> float:
    with open("/proc/uptime") as fh:
        return float(fh.read().split()[0])


_CLUSTER: list[str] = []


def _pg_cluster_label() -> str | None:
    """The process-title label of the benchmark's PostgreSQL cluster, e.g. "15/main:"."""
    if not _CLUSTER:
        try:
            import psycopg

            with psycopg.connect(pg_dsn(PG_SERVER_URL), connect_timeout=5) as conn:
                name = conn.execute("SHOW cluster_name").fetchone()[0]
            _CLUSTER.append(f"{name}:" if name else "")
        except Exception:  # noqa: BLE001 - accounting is best effort
            _CLUSTER.append("")
    return _CLUSTER[0] or None


def _postgres_pids(db_name: str | None) -> list[int]:
    """Our database's backends and the background processes of the same PostgreSQL cluster,
    not other databases' backends (the machine's server also serves other people)."""
    if not db_name:
        return []
    procs = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    words = fh.read().replace(b"\0", b" ").decode(errors="replace").split()
            except OSError:
                continue
            # "postgres: 15/main: <user> <db> <host>(<port>) <state>" (a backend) or
            # "postgres: 15/main: walwriter" (a background process of cluster 15/main)
            if len(words) > 2 and words[0] == "postgres:" and words[1].endswith(":"):
                procs.append((int(entry), words[1], words[2:]))

    def is_backend(rest):
        return len(rest) >= 3 and ("(" in rest[2] or rest[2] == "[local]")

    clusters = {label for _pid, label, rest in procs if is_backend(rest) and rest[1] == db_name}
    label = _pg_cluster_label()
    if label:
        clusters.add(label)
    return [pid for pid, label, rest in procs if label in clusters
            and (not is_backend(rest) or rest[1] == db_name)]


class CpuMeter:
    """CPU seconds used by the server's processes, PostgreSQL and this client, over a phase.
    CPU per request is what a phase costs whatever else runs on the machine; wall-clock
    figures also carry the waiting for a core when others use the machine (`others_cpu_s`).
    A process that ends between two snapshots is not counted (PostgreSQL backends of the
    server's pool live as long as the server)."""

    def __init__(self, server: "Server | None", pg_db: str | None = None):
        self.server, self.pg_db = server, pg_db

    def snapshot(self, client_pids=()) -> dict:
        pg = _postgres_pids(self.pg_db)
        busy, steal = machine_busy_s()
        server = self.server.pids() if self.server is not None else []
        return {"server": {p: _proc_times(p) for p in server},
                "postgres": {p: _proc_times(p) for p in pg},
                "client": time.process_time() + sum(_cpu_of(p) for p in client_pids),
                "wall": time.perf_counter(), "uptime": _uptime(),
                "machine": busy, "steal": steal}

    @staticmethod
    def delta(before: dict, after: dict) -> dict:
        def used(group):
            total = 0.0
            for pid, (cpu, started) in after[group].items():
                if pid in before[group]:
                    total += cpu - before[group][pid][0]
                elif started >= before["uptime"] - 0.5:  # started during the phase
                    total += cpu
            return total

        wall = after["wall"] - before["wall"]
        out = {"wall_s": round(wall, 2), "server_cpu_s": round(used("server"), 2),
               "postgres_cpu_s": round(used("postgres"), 2),
               "client_cpu_s": round(after["client"] - before["client"], 2)}
        ours = out["server_cpu_s"] + out["postgres_cpu_s"] + out["client_cpu_s"]
        machine = after["machine"] - before["machine"]
        out["machine_busy_cpu_s"] = round(machine, 2)
        # other processes on the machine (other users' tests...) plus hypervisor steal
        out["others_cpu_s"] = round(max(0.0, machine - ours), 2)
        out["steal_s"] = round(after["steal"] - before["steal"], 2)
        return out


# -- the live HTTP stack -----------------------------------------------------------------------

class Server:
    """The real HTTP stack as a subprocess: gunicorn with the project's gunicorn.conf.py
    (gthread) when present, else `python run.py serve`."""

    def __init__(self, url: str, workers: int, logdir: str, extra_env: dict | None = None,
                 app_spec: str = "app:app"):
        self.url, self.workers, self.logdir, self.app_spec = url, workers, logdir, app_spec
        self.port = free_port()
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None
        self.command: list[str] = []
        self.kind = ""

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "MQTT_URL", "SMARTCITY_ENV",
                            "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")}
        env.update({"DATABASE_URL": self.url, "SECRET_KEY": SECRET_KEY,
                    "JWT_SECRET_KEY": JWT_SECRET_KEY, "WEB_CONCURRENCY": str(self.workers),
                    "PYTHONUNBUFFERED": "1"})
        env.update(self.extra_env)
        return env

    def __enter__(self):
        venv_bin = Path(sys.executable).parent
        gunicorn = venv_bin / "gunicorn"
        if (ROOT / "gunicorn.conf.py").is_file() and gunicorn.exists():
            self.kind = "gunicorn"
            self.command = [str(gunicorn), "-c", "gunicorn.conf.py", "--bind",
                            f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                            "--pythonpath", str(ROOT / "bench"), self.app_spec]
        else:
            self.kind = "run.py serve"
            self.command = [sys.executable, "run.py", "serve", "--host", "127.0.0.1",
                            "--port", str(self.port)]
        self.logfile = open(os.path.join(self.logdir, "server.log"), "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env(),
                                     stdout=self.logfile, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}); see "
                                   f"{self.logdir}/server.log:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready")

    def log_tail(self, lines: int = 30) -> str:
        try:
            with open(os.path.join(self.logdir, "server.log"), "rb") as fh:
                return b"\n".join(fh.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def pids(self) -> list[int]:
        """The master and its workers (for profilers)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
                             capture_output=True, text=True).stdout.split()
        return [self.proc.pid, *map(int, out)]

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn: graceful stop of its workers
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.logfile.close()


class Profiler:
    """py-spy (if installed) recording every server worker during one phase, as collapsed
    stacks (`--format raw`) for bench/profile_summary.py. Optional: only for investigation.
    `--gil` samples only the thread holding the GIL, i.e. where the Python CPU goes."""

    def __init__(self, server: "Server", outdir: str | None, label: str, rate: int = 250):
        self.server, self.outdir, self.label, self.rate = server, outdir, label, rate
        self.procs: list[subprocess.Popen] = []

    def __enter__(self):
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not self.outdir or not Path(spy).exists():
            return self
        os.makedirs(self.outdir, exist_ok=True)
        for pid in self.server.pids()[1:]:  # the workers, not the master
            out = os.path.join(self.outdir, f"{self.label}-{pid}.txt")
            self.procs.append(subprocess.Popen(
                [spy, "record", "--pid", str(pid), "--rate", str(self.rate), "--format", "raw",
                 "--threads", "--gil", "--nonblocking", "-o", out],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)  # let py-spy attach
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class RawClient:
    """A minimal keep-alive HTTP/1.1 client over one socket: far cheaper per request than
    requests or http.client, so that the load generator steals little CPU from the server on
    a 2-core machine. Understands Content-Length responses only (what gunicorn/Flask send)."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port, self.timeout = port, timeout
        self.sock = None
        self.buf = b""

    def connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
        self.sock = None

    def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send a complete request; return (status, body). Reconnects once on a dead socket."""
        for attempt in (0, 1):
            if self.sock is None:
                self.connect()
            try:
                self.sock.sendall(raw)
                return self._read()
            except (ConnectionError, BrokenPipeError, EOFError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _read(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            rest += chunk
        body, self.buf = rest[:length], rest[length:]
        if close:
            self.close()
        return status, body


def build_request(method: str, path: str, port: int, headers: dict, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
