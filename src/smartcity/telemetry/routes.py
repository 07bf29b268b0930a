from flask import Blueprint, current_app, g, request

from smartcity.audit.service import record
from smartcity.auth.guard import authorize, require_role
from smartcity.devices import service as devices
from smartcity.errors import ApiError, error_response, not_found
from smartcity.extensions import db
from smartcity.pagination import decode_cursor, encode_cursor, page_limit
from smartcity.telemetry import export, ingest, maintenance, queries
from smartcity.telemetry.params import (
    aggregate_params,
    device_key_ids,
    fleet_device_ids,
    history_filters,
    key_names,
    time_range,
)
from smartcity.telemetry.parse import PayloadError

bp = Blueprint("telemetry", __name__, url_prefix="/api")

SENML_TYPES = ("application/senml+json",)


@bp.errorhandler(PayloadError)
def payload_error(err: PayloadError):
    # An error handler must answer, not raise: Flask does not route its exceptions again.
    return error_response(err.status, err.code, err.message,
                          {"field": err.field} if err.field else None)


def _answer(outcome: ingest.Outcome):
    if outcome.accepted == 0:
        raise ApiError(400, "no_valid_readings", "no reading was valid",
                       {"field": (outcome.rejected[0]["error"]["field"] if outcome.rejected
                                  else None), "rejected": outcome.rejected})
    return ingest.store(outcome).body(), 201


@bp.post("/telemetry")
@ingest.admitted
@devices.require_device
def post_telemetry():
    """Store readings of the calling device (X-API-Key): JSON reading(s) or SenML."""
    senml = request.mimetype in SENML_TYPES
    return _answer(ingest.device_payload(g.device.id, request.get_data(), senml))


@bp.post("/telemetry/batch")
@ingest.admitted
def post_batch():
    """Store readings of many devices: operator/admin or service-account token, or a gateway key."""
    api_key = request.headers.get("X-API-Key")
    if api_key:
        gateway = devices.authenticate_device(api_key)
        if gateway.type != "gateway":
            raise ApiError(403, "forbidden", "only gateway devices post batches")

        def allowed(device):
            return device.gateway_id == gateway.id or device.id == gateway.id
    else:
        gateway = None
        authorize("operator")

        def allowed(_device):
            return True

    answer = _answer(ingest.batch_payload(request.get_data(), allowed))
    if gateway is not None:  # it sends no readings of its own: its batches are its heartbeat
        devices.heard_from(gateway.id)
    return answer


post_batch.required_role = "operator"


@bp.get("/devices/<device_id>/telemetry")
@require_role("viewer")
def get_history(device_id):
    """Raw readings of a device (keys, start, end, order, limit, cursor, anomalies_only; csv)."""
    devices.get_device(device_id)
    start, end = time_range()
    filters = history_filters()
    descending = request.args.get("order", "asc") == "desc"
    with db.reader() as conn:
        key_ids = device_key_ids(conn)
    if request.args.get("format") == "csv":
        def produce(conn):
            for row in queries.history(conn, device_id, key_ids, start, end, None,
                                       descending=descending, filters=filters):
                item = queries.history_item(row)
                yield [device_id, item["key"], *export.time_columns(item["ts"]),
                       export.csv_value(item["value"])]
        return export.csv_response(f"{device_id}-telemetry.csv",
                                   ["device_id", "key", "ts", "time", "value"], produce)
    limit = page_limit()
    after = tuple(decode_cursor(request.args["cursor"])) if request.args.get("cursor") else None
    with db.reader() as conn:
        rows = queries.history(conn, device_id, key_ids, start, end, limit + 1, after,
                               descending, filters).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].ts, rows[-1].key_id])
    return {"device_id": device_id, "items": [queries.history_item(r) for r in rows],
            "next_cursor": next_cursor}


@bp.get("/devices/<device_id>/telemetry/latest")
@require_role("viewer")
def get_latest(device_id):
    """Latest value of each key of a device (keys=a,b to narrow)."""
    conn = _read_connection()
    values = queries.latest_or_none(conn, device_id, device_key_ids(conn))
    if values is None:
        raise not_found("device")
    return {"device_id": device_id, "values": values}


@bp.get("/devices/<device_id>/telemetry/aggregate")
@require_role("viewer")
def get_aggregate(device_id):
    """Aggregates of a device per interval (keys, start, end, interval, agg; format=csv)."""
    devices.get_device(device_id)
    params = aggregate_params()
    conn = _read_connection()
    key_ids = device_key_ids(conn, required=True)
    series = _series(key_ids, queries.aggregate_series(
        conn, [device_id], list(key_ids.values()), params.start, params.end, params.interval_ms,
        params.agg))
    if request.args.get("format") == "csv":
        return _series_csv(f"{device_id}-{params.interval}-{params.agg}.csv", series)
    return {"device_id": device_id, "interval": params.interval, "agg": params.agg,
            "start": params.start, "end": params.end, "series": series}


@bp.get("/telemetry/aggregate")
@require_role("viewer")
def get_fleet_aggregate():
    """Aggregate one key over a fleet (device_type, domain, asset_id) per interval."""
    params = aggregate_params()
    conn = _read_connection()
    key_ids = device_key_ids(conn, required=True, arg="key")
    device_ids = fleet_device_ids(conn)
    series = _series(key_ids, queries.aggregate_series(
        conn, device_ids, list(key_ids.values()), params.start, params.end, params.interval_ms,
        params.agg))
    if request.args.get("format") == "csv":
        return _series_csv(f"fleet-{params.interval}-{params.agg}.csv", series)
    return {"filters": {k: request.args[k] for k in ("device_type", "domain", "asset_id")
                        if request.args.get(k)},
            "devices": None if device_ids is None else len(device_ids),
            "interval": params.interval, "agg": params.agg, "start": params.start,
            "end": params.end, "series": series}


def _read_connection():
    # The request session's connection: the auth guard has already checked it out, and in a
    # GET its transaction is a deferred read on SQLite (database._safe_request), so reading
    # there spares a second pool checkout (and PostgreSQL's pre-ping round trip) per request.
    return db.session.connection()


def _series(key_ids: dict, series: dict) -> dict:
    """One series per requested key; a key never written anywhere has an empty one."""
    requested = key_names("key" if "key" in request.args else "keys") or []
    return {name: [{"ts": ts, "value": value} for ts, value in series[key_ids[name]]]
            if name in key_ids else [] for name in requested}


def _series_csv(filename: str, series: dict):
    def produce(_conn):
        for key, points in series.items():
            for point in points:
                yield [key, *export.time_columns(point["ts"]), point["value"]]
    return export.csv_response(filename, ["key", "ts", "time", "value"], produce)


@bp.post("/devices/<device_id>/telemetry/corrections")
@require_role("admin")
def correct_telemetry(device_id):
    """Replace a device's readings in [start, end) and recompute the affected rollups."""
    devices.get_device(device_id)
    result = maintenance.correct(device_id, request.get_data(),
                                 current_app.config["MAX_BATCH_POINTS"])
    record("telemetry.corrected", "device", device_id, result)
    db.session.commit()
    return result


@bp.delete("/devices/<device_id>/telemetry")
@require_role("admin")
def delete_telemetry(device_id):
    """Delete a device's readings in [start, end) (keys optional); rollups recomputed."""
    devices.get_device(device_id)
    start, end = time_range(required=True)
    result = maintenance.delete(device_id, request.args.get("keys"), start, end)
    record("telemetry.deleted", "device", device_id, result)
    db.session.commit()
    return result

