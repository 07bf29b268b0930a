"""Turn a request body into stored points: parse, authorise each item, submit, wait for commit.

Shared by HTTP routes and the MQTT consumer.
"""

import functools
from dataclasses import dataclass, field

from flask import current_app

from smartcity.devices.directory import DeviceDirectory, DeviceIdentity, device_directory
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.telemetry import faults, parse
from smartcity.telemetry.pipeline import QueueFull, get_pipeline
from smartcity.telemetry.points import Point, Rejection
from smartcity.timeutil import now_ms


@dataclass
class Outcome:
    accepted: int = 0
    points: list[Point] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    stored: int = 0
    # Per accepted item, its index in the request and the end of its points: the units the
    # writer may refuse one by one.
    indexes: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def body(self) -> dict:
        return {"accepted": self.accepted, "points": len(self.points), "stored": self.stored,
                "duplicates": len(self.points) - self.stored, "rejected": self.rejected}


def max_skew_ms() -> int:
    return current_app.config["MAX_CLOCK_SKEW"] * 1000


def collect(outcome: Outcome, results, device_id: str | None = None) -> None:
    for index, result in results:
        if isinstance(result, Rejection):
            outcome.rejected.append(result.as_item(index, device_id))
        else:
            outcome.accepted += 1
            outcome.points.extend(result)
            outcome.indexes.append(index)
            outcome.ends.append(len(outcome.points))


def device_payload(device_id: str, raw: bytes, senml: bool) -> Outcome:
    """Parse one device's own payload (JSON reading(s) or a SenML pack)."""
    body = parse.loads(raw)
    outcome = Outcome()
    if senml:
        collect(outcome, parse.senml_points(device_id, body, max_skew_ms()))
    else:
        collect(outcome, parse.json_readings(device_id, body, max_skew_ms()))
    return outcome


def batch_payload(raw: bytes, allowed) -> Outcome:
    """Parse [{"device_id", "ts", "values"}, ...]; `allowed(device)` says who may be written."""
    body = parse.loads(raw)
    if not isinstance(body, list):
        raise parse.PayloadError("invalid_batch", "batch must be a JSON array", "body")
    if not body:
        raise parse.PayloadError("empty_payload", "no readings")
    directory, devices = device_directory(), {}
    outcome, now, skew = Outcome(), now_ms(), max_skew_ms()
    for index, item in enumerate(body):
        device_id = item.get("device_id") if isinstance(item, dict) else None
        try:
            device = _batch_device(directory, devices, device_id, allowed)
            points = parse.reading_points(device.id, item, now, skew)
        except Rejection as rejection:
            outcome.rejected.append(rejection.as_item(
                index, device_id if isinstance(device_id, str) else None))
            continue
        outcome.accepted += 1
        outcome.points.extend(points)
        outcome.indexes.append(index)
        outcome.ends.append(len(outcome.points))
    return outcome


def _batch_device(directory: DeviceDirectory, devices: dict, device_id,
                  allowed) -> DeviceIdentity:
    if not isinstance(device_id, str) or len(device_id) > 64:
        raise Rejection("invalid_device_id", "device_id must be a string", "device_id")
    if device_id not in devices:  # once per device and request, even when unknown
        devices[device_id] = directory.by_id(device_id)
    device = devices[device_id]
    if device is None:
        raise Rejection("unknown_device", f"unknown device {device_id}", "device_id")
    if device.status != "active":
        raise Rejection("device_disabled", "device is disabled", "device_id")
    if not allowed(device):
        raise Rejection("forbidden_device", "caller may not write for this device", "device_id")
    return device


def admitted(view):
    """Run an ingest view only when the process has a free ingest slot (INGEST_MAX_IN_FLIGHT),
    else answer 503 + Retry-After before reading the body: a burst beyond what the writer and
    the threads can take is refused, never queued without bound or half-stored."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        pipeline = get_pipeline()
        if not pipeline.admit():
            raise ApiError(503, "ingest_busy", "too many ingest requests in progress; retry "
                           "shortly", headers={"Retry-After": "1"})
        try:
            return view(*args, **kwargs)
        finally:
            pipeline.release()

    return wrapper


def store(outcome: Outcome) -> Outcome:
    """Submit accepted points and wait until they are committed."""
    limit = current_app.config["MAX_BATCH_POINTS"]
    if len(outcome.points) > limit:
        raise ApiError(413, "too_many_points", f"at most {limit} points per request",
                       {"field": "body", "points": len(outcome.points)})
    if not outcome.points:
        return outcome
    db.release()
    try:
        job = get_pipeline().submit(outcome.points, units=outcome.ends)
    except QueueFull:
        raise ApiError(503, "ingest_queue_full", "ingest queue is full, retry shortly",
                       headers={"Retry-After": "1"}) from None
    if not job.wait(current_app.config["INGEST_COMMIT_TIMEOUT"]):
        raise ApiError(503, "ingest_timeout", "commit did not finish in time; retrying is safe",
                       headers={"Retry-After": "2"})
    if job.error is not None:
        raise ApiError(503, "storage_unavailable", "could not store readings; retrying is safe",
                       headers={"Retry-After": "2"})
    outcome.stored = job.inserted
    if job.refused:
        _refused(outcome, job.refused)
    return outcome


def _refused(outcome: Outcome, refused: list[tuple[int, str]]) -> None:
    """List the items the database refused among the rejected; 400 if it refused them all."""
    starts = [0, *outcome.ends]
    for unit, reason in refused:
        outcome.rejected.append({
            "index": outcome.indexes[unit], "device_id": outcome.points[starts[unit]].device_id,
            "error": {"code": faults.REFUSED_CODE, "message": f"storage refused it: {reason}",
                      "field": "values"}})
    outcome.rejected.sort(key=lambda item: item["index"])
    outcome.accepted -= len(refused)
    if outcome.accepted == 0:
        raise ApiError(400, "no_valid_readings", "no reading could be stored",
                       {"field": "values", "rejected": outcome.rejected})
