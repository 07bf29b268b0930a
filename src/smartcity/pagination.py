"""The one pagination helper: keyset cursors, {"items", "next_cursor"}."""

import base64

import orjson
from flask import current_app, request
from sqlalchemy import tuple_

from smartcity.errors import bad_request


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, orjson.JSONDecodeError):
        raise bad_request("invalid cursor", "cursor") from None
    if not isinstance(values, list):
        raise bad_request("invalid cursor", "cursor")
    return values


def page_limit() -> int:
    raw = request.args.get("limit")
    default = current_app.config["DEFAULT_PAGE_SIZE"]
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request("limit must be an integer", "limit") from None
    if not 1 <= limit <= current_app.config["MAX_PAGE_SIZE"]:
        raise bad_request(f"limit must be 1..{current_app.config['MAX_PAGE_SIZE']}", "limit")
    return limit


def paginate(session, stmt, columns, descending: bool = False, limit: int | None = None):
    """Run a select ordered by unique `columns`, one page after ?cursor=; return rows and cursor.

    The statement must select ORM entities whose attributes match `columns`. `limit` is the
    page size when the caller has validated its own (default: ?limit=).
    """
    limit = page_limit() if limit is None else limit
    cursor = request.args.get("cursor")
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != len(columns):
            raise bad_request("invalid cursor", "cursor")
        key = tuple_(*columns) if len(columns) > 1 else columns[0]
        after = tuple_(*values) if len(columns) > 1 else values[0]
        stmt = stmt.where(key < after if descending else key > after)
    order = [c.desc() if descending else c.asc() for c in columns]
    rows = session.scalars(stmt.order_by(*order).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, c.key) for c in columns])
    return rows, next_cursor


def page_response(items: list, next_cursor: str | None) -> dict:
    return {"items": items, "next_cursor": next_cursor}
