"""Fault drills: real processes on loopback, each on a throwaway instance of its own (an initdb
PostgreSQL cluster here, a Mosquitto with our config from tests/broker.py), never the machine's
shared services, which other people's work depends on."""

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from smartcity import migrate
from smartcity.database import make_engine
from tests.broker import free_port, wait_port


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def _as_owner() -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temp directory on a free port, stopped and started at will."""

    def __init__(self, root: Path):
        self.data, self.port = root / "pgdata", free_port()
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
        self.pg_ctl = [*_as_owner(), _pg_binary("pg_ctl")]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        subprocess.run([*_as_owner(), _pg_binary("initdb"), "-D", str(self.data), "-U",
                        "postgres", "-A", "trust", "--no-sync"], check=True, capture_output=True)
        self.options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                        f"-c unix_socket_directories={root} -c fsync=off")
        self.log = root / "postgres.log"

    def start(self) -> None:
        subprocess.run([*self.pg_ctl, "-D", str(self.data), "-o", self.options, "-l",
                        str(self.log), "-w", "start"], check=True, capture_output=True)
        wait_port(self.port)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([*self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"],
                       check=True, capture_output=True)


@pytest.fixture
def throwaway_postgres(services):
    if _pg_binary("initdb") is None or _pg_binary("pg_ctl") is None:
        if services["CI"]:
            pytest.fail("CI=true requires PostgreSQL's initdb and pg_ctl", pytrace=False)
        pytest.skip("initdb/pg_ctl not installed")
    root = Path(tempfile.mkdtemp(prefix="smartcity-pg-"))  # pytest's tmp is root-only
    cluster = ThrowawayPostgres(root)
    cluster.start()
    engine = make_engine(cluster.url)
    migrate.upgrade(engine)
    engine.dispose()
    yield cluster
    with contextlib.suppress(subprocess.CalledProcessError):  # the drill may have stopped it
        cluster.stop("immediate")
    shutil.rmtree(root, ignore_errors=True)
