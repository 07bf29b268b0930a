"""Health checks; subsystems register their own (MQTT, ingest queue) when they start."""

import time

from flask import current_app
from sqlalchemy import text

from smartcity.extensions import db


def register_check(app, name: str, check) -> None:
    """Add `check() -> dict` (with a "status" of ok/degraded/down) to /api/health?detailed=1."""
    app.extensions.setdefault("smartcity.health", {})[name] = check


def database_check() -> dict:
    started = time.perf_counter()
    try:
        with db.reader() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the check reports failures, it must not raise them
        return {"status": "down", "backend": db.dialect, "error": str(exc)[:200]}
    return {"status": "ok", "backend": db.dialect,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def redis_check() -> dict:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return {"status": "disabled"}
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
    except Exception as exc:
        return {"status": "down", "error": str(exc)[:200]}
    return {"status": "ok"}


def run_checks(detailed: bool) -> tuple[dict, int]:
    checks = {"database": database_check}
    if detailed:
        checks["redis"] = redis_check
        checks.update(current_app.extensions.get("smartcity.health", {}))
    services = {name: check() for name, check in checks.items()}
    down = any(s["status"] == "down" for s in services.values())
    degraded = any(s["status"] == "degraded" for s in services.values())
    status = "down" if services["database"]["status"] == "down" else (
        "degraded" if down or degraded else "ok")
    body = {"status": status, "version": current_app.config.get("VERSION", "0.1.0")}
    if detailed:
        body["services"] = services
    return body, 503 if status == "down" else 200
