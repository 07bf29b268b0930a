"""MQTT_URL parsing and the client id of this process."""

import os
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def parse_mqtt_url(url: str) -> BrokerSettings:
    """mqtt[s]://[user:pass@]host[:port]"""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT_URL must start with mqtt:// or mqtts://, got {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    return BrokerSettings(
        host=parts.hostname or "localhost", port=parts.port or (8883 if tls else 1883), tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None)


def client_id(configured: str | None, role: str) -> str:
    """Stable per role and host, so a restarted process resumes its persistent session.

    Several app processes on one host (gunicorn workers) must differ: role "app" adds the pid.
    """
    base = configured or f"smartcity-{socket.gethostname()}"
    return f"{base}-{role}-{os.getpid()}" if role == "app" else f"{base}-{role}"


def platform_client_id(app, role: str) -> str:
    """`<base>-<role>.<suffix>`: the suffix is random, kept in the instance folder so that a
    restarted process resumes its session, and no device id can equal it (ids have no dot).
    Mosquitto disconnects a session when another connection takes its client id: a guessable
    id would let anyone with a login cut the platform's consumer off."""
    return f"{client_id(app.config.get('MQTT_CLIENT_ID'), role)}.{_suffix(app.instance_path)}"


def _suffix(instance_path: str) -> str:
    path = os.path.join(instance_path, "mqtt-client-suffix")
    try:
        with open(path) as fh:
            value = fh.read().strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    os.makedirs(instance_path, exist_ok=True)
    value = secrets.token_hex(8)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        return _suffix(instance_path)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value
