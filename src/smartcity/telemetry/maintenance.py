"""Admin corrections and deletes, run in the writer's transaction so rollups stay exact."""

from flask import current_app
from sqlalchemy import select

from smartcity.errors import bad_request
from smartcity.extensions import db
from smartcity.telemetry import parse, store
from smartcity.telemetry.keys import key_dictionary
from smartcity.telemetry.models import telemetry
from smartcity.telemetry.params import key_names
from smartcity.telemetry.partitions import partitions
from smartcity.telemetry.pipeline import get_pipeline
from smartcity.telemetry.points import Rejection
from smartcity.timeutil import now_ms, parse_time


def correct(device_id: str, raw: bytes, max_points: int) -> dict:
    """Body {"start", "end", "keys"?, "points": [{"ts", "values"}]}: the given points replace
    every stored point of those keys in [start, end)."""
    body = parse.loads(raw)
    if not isinstance(body, dict):
        raise bad_request("body must be a JSON object", "body")
    start, end = parse_time(body.get("start"), "start"), parse_time(body.get("end"), "end")
    if end <= start:
        raise bad_request("end must be after start", "end")
    items = body.get("points", [])
    if not isinstance(items, list):
        raise bad_request("points must be an array", "points")
    points = []
    skew = current_app.config["MAX_CLOCK_SKEW"] * 1000
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "ts" not in item:
            raise bad_request("each point needs ts and values", f"points[{index}]")
        try:
            points.extend(parse.reading_points(device_id, item, now_ms(), skew))
        except Rejection as exc:
            raise bad_request(exc.message, f"points[{index}].{exc.field}") from None
    if any(not start <= p.ts < end for p in points):
        raise bad_request("every point must lie in [start, end)", "points")
    if len(points) > max_points:
        raise bad_request(f"at most {max_points} points", "points")
    keys = body.get("keys")
    if keys is not None and (not isinstance(keys, list)
                             or not all(isinstance(k, str) for k in keys)):
        raise bad_request("keys must be an array of key names", "keys")
    if keys is not None and any(p.key not in keys for p in points):
        raise bad_request("points use keys missing from keys", "keys")
    names = set(keys or []) | {p.key for p in points}
    if not names:
        raise bad_request("give keys or points", "keys")
    points = store.first_wins(points)

    def apply(conn):
        key_ids = key_dictionary(current_app).ids(conn, names)
        ids = [key_ids[n] for n in names]
        deleted = store.delete_range(conn, device_id, ids, start, end)
        rows = [(p.device_id, key_ids[p.key], p.ts, p.value, p.text) for p in points]
        if rows:
            conn.execute(telemetry.insert(), [dict(zip(
                ("device_id", "key_id", "ts", "value", "text_value"), r, strict=True))
                for r in rows])
        store.rebuild(conn, device_id, ids, start, end)
        return {"device_id": device_id, "start": start, "end": end, "keys": sorted(names),
                "deleted": deleted, "inserted": len(rows)}

    db.release()
    if points and db.engine.dialect.name == "postgresql":
        ts = [p.ts for p in points]  # before the writer's transaction: DDL would wait for it
        partitions(current_app).ensure(db.engine, min(ts), max(ts))
    return get_pipeline().call(apply)


def delete(device_id: str, keys_arg: str | None, start: int, end: int) -> dict:
    names = key_names() if keys_arg else None

    def apply(conn):
        if names is None:
            ids = list(conn.scalars(select(telemetry.c.key_id).distinct().where(
                telemetry.c.device_id == device_id, telemetry.c.ts >= start,
                telemetry.c.ts < end)))
        else:
            ids = list(key_dictionary(current_app).known_ids(conn, names).values())
        if not ids:
            return {"device_id": device_id, "start": start, "end": end, "deleted": 0}
        deleted = store.delete_range(conn, device_id, ids, start, end)
        store.rebuild(conn, device_id, ids, start, end)
        return {"device_id": device_id, "start": start, "end": end, "deleted": deleted}

    db.release()
    return get_pipeline().call(apply)
