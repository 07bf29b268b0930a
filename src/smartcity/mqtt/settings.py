"""MQTT_URL parsing and the client id of this process."""

import os
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
