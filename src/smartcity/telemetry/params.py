"""Query-string parsing shared by the telemetry read endpoints."""

from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import select

from smartcity.devices.models import Device
from smartcity.errors import bad_request
from smartcity.http import flag
from smartcity.telemetry.keys import key_dictionary
from smartcity.telemetry.models import telemetry, telemetry_keys
from smartcity.telemetry.queries import AGGREGATES, INTERVALS
from smartcity.timeutil import now_ms, parse_time
from smartcity.validation import Keys, load_value

MAX_BUCKETS = 100_000
HISTORY_FILTERS = "smartcity.history_filters"


@dataclass
class AggregateParams:
    start: int
    end: int
    interval: str
    interval_ms: int
    agg: str


def time_range(required: bool = False, default_span: str = "-24h") -> tuple[int, int]:
    """start/end from the query string (ISO 8601, epoch ms or -24h); default the last day."""
    now = now_ms()
    for name in ("start", "end"):
        if required and not request.args.get(name):
            raise bad_request(f"{name} is required", name)
    start = parse_time(request.args.get("start") or default_span, "start", now)
    end = parse_time(request.args["end"], "end", now) if request.args.get("end") else now + 1
    if end <= start:
        raise bad_request("end must be after start", "end")
    return start, end


def key_names(arg: str = "keys") -> list[str] | None:
    raw = request.args.get(arg)
    return load_value(Keys(), raw, arg) if raw else None


def device_key_ids(conn, required: bool = False, arg: str = "keys") -> dict[str, int] | None:
    """Ids of the requested keys (unknown keys map to nothing); None when no filter was given."""
    names = key_names(arg)
    if names is None:
        if required:
            raise bad_request(f"{arg} is required", arg)
        return None
    known = key_dictionary(current_app).known_ids(conn, names)
    return {n: known[n] for n in names if n in known}


def aggregate_params() -> AggregateParams:
    start, end = time_range()
    interval = request.args.get("interval", "1h")
    if interval not in INTERVALS:
        raise bad_request(f"interval must be one of {', '.join(INTERVALS)}", "interval")
    agg = request.args.get("agg", "avg")
    if agg not in AGGREGATES:
        raise bad_request(f"agg must be one of {', '.join(AGGREGATES)}", "agg")
    if (end - start) // INTERVALS[interval] > MAX_BUCKETS:
        raise bad_request(f"more than {MAX_BUCKETS} buckets; use a longer interval", "interval")
    return AggregateParams(start, end, interval, INTERVALS[interval], agg)


def fleet_device_ids(conn) -> list[str] | None:
    """Devices matching device_type/domain/asset_id; None when no filter narrows the fleet."""
    devices = Device.__table__
    filters = {"device_type": devices.c.type, "domain": devices.c.domain,
               "asset_id": devices.c.asset_id}
    stmt = select(devices.c.id)
    narrowed = False
    for arg, column in filters.items():
        if request.args.get(arg):
            stmt = stmt.where(column == request.args[arg])
            narrowed = True
    return list(conn.scalars(stmt)) if narrowed else None


def add_history_filter(app, arg: str, make_clause) -> None:
    """Let another module narrow raw history with ?<arg>=true (alerts: anomalies_only).

    make_clause(telemetry, telemetry_keys) returns a SQL condition on the history query, so
    pages stay full and cursors stay valid; telemetry never needs to know who filters.
    """
    app.extensions.setdefault(HISTORY_FILTERS, {})[arg] = make_clause


def history_filters() -> list:
    """The SQL conditions of the registered history filters the query string turns on."""
    registry = current_app.extensions.get(HISTORY_FILTERS, {})
    return [make(telemetry, telemetry_keys) for arg, make in registry.items() if flag(arg)]
