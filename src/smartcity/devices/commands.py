"""Commands to devices: queued -> sent -> delivered -> succeeded | failed | expired.

Sent over MQTT (QoS 1, devices/<id>/commands/<command_id>) when the device is online; a
command for an offline device waits until it reconnects or expires. HTTP devices poll.
"""

import uuid

import orjson
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import func, select, update

from smartcity.audit.service import record
from smartcity.devices import events
from smartcity.devices.commands_catalogue import commands_for
from smartcity.devices.control_models import Command
from smartcity.devices.models import Device
from smartcity.devices.service import connectivity
from smartcity.errors import ApiError, bad_request, not_found
from smartcity.extensions import db
from smartcity.mqtt import publisher
from smartcity.timeutil import now_ms

OPEN = ("queued", "sent", "delivered")
DONE = ("succeeded", "failed", "expired")
TRANSITIONS = {"queued": {"sent", "delivered", "succeeded", "failed", "expired"},
               "sent": {"delivered", "succeeded", "failed", "expired"},
               "delivered": {"succeeded", "failed", "expired"}}


def validate(device: Device, name: str, params) -> dict:
    catalogue = commands_for(device.type)
    if name not in catalogue:
        raise bad_request(f"{device.type} has no command {name!r}; "
                          f"known: {', '.join(sorted(catalogue))}", "name")
    try:
        return catalogue[name].load(params or {})
    except ValidationError as exc:
        field = next(iter(exc.messages), None) if isinstance(exc.messages, dict) else None
        raise ApiError(400, "validation_error", "invalid command parameters",
                       {"field": f"params.{field}" if field else "params",
                        "fields": exc.messages}) from None


def create(device: Device, name: str, params, timeout_s: int, actor: str | None) -> Command:
    """Queue a command and send it at once if the device can take it."""
    if device.status != "active":
        raise ApiError(409, "device_disabled", "device is disabled", {"field": "device_id"})
    params = validate(device, name, params)
    now = now_ms()
    command = Command(id=uuid.uuid4().hex, device_id=device.id, name=name, params=params,
                      status="queued", created_by=actor, created_ms=now,
                      expires_ms=now + timeout_s * 1000)
    db.session.add(command)
    record("command.queued", "device", device.id, {"command_id": command.id, "name": name})
    db.session.commit()
    _changed(command)
    if connectivity(device) == "online":
        send(command)
    return command


def send(command: Command) -> None:
    payload = {"id": command.id, "name": command.name, "params": command.params,
               "expires_at": command.expires_ms}
    if publisher.publish(current_app, f"devices/{command.device_id}/commands/{command.id}",
                         orjson.dumps(payload), qos=1):
        transition(command, "sent")


def send_queued(device_id: str) -> int:
    """Send a reconnected device the commands that waited for it."""
    queued = db.session.scalars(select(Command).where(
        Command.device_id == device_id, Command.status == "queued",
        Command.expires_ms > now_ms()).order_by(Command.created_ms)).all()
    for command in queued:
        send(command)
    return len(queued)


def transition(command: Command, status: str, result=None, error: str | None = None) -> bool:
    """Move a command forward; repeats and moves back are ignored (False).

    A compare-and-set on the stored status: the device's answer arrives on the MQTT thread and
    may be committed before the request that published the command records "sent"; that late
    "sent" must not overwrite "succeeded" (it did, from an ORM object loaded before the answer).
    A command that got any answer was sent, so sent_ms is filled then if it was still empty.
    """
    earlier = [s for s, following in TRANSITIONS.items() if status in following]
    now = now_ms()
    values = {"status": status, "sent_ms": func.coalesce(Command.sent_ms, now)}
    if status == "delivered":
        values["delivered_ms"] = now
    elif status != "sent":
        values["completed_ms"] = now
        values["result"] = result if isinstance(result, dict) or result is None else {
            "value": result}
        values["error"] = str(error)[:512] if error else None
    moved = db.session.execute(
        update(Command).where(Command.id == command.id, Command.status.in_(earlier))
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if not moved:
        db.session.rollback()  # and command reloads what is stored
        return False
    record(f"command.{status}", "device", command.device_id, {"command_id": command.id})
    db.session.commit()
    db.session.refresh(command)  # the stored row, for the answer and the live push
    _changed(command)
    return True


def respond(device_id: str, command_id: str, body: dict) -> Command:
    """Apply a device's answer {"status": delivered|succeeded|failed, "result", "error"}."""
    command = get(device_id, command_id)
    status = body.get("status")
    if status not in ("delivered", "succeeded", "failed"):
        raise bad_request("status must be delivered, succeeded or failed", "status")
    if command.status in DONE:
        raise ApiError(409, "command_closed", f"command already {command.status}",
                       {"field": "status"})
    transition(command, status, body.get("result"), body.get("error"))
    return command


def get(device_id: str, command_id: str) -> Command:
    command = db.session.get(Command, command_id)
    if command is None or command.device_id != device_id:
        raise not_found("command")
    return command


def pending_for_device(device_id: str) -> list[Command]:
    """Open commands an HTTP device fetches; fetching counts as delivery."""
    commands = db.session.scalars(select(Command).where(
        Command.device_id == device_id, Command.status.in_(("queued", "sent")),
        Command.expires_ms > now_ms()).order_by(Command.created_ms)).all()
    db.release()  # a GET: write in transactions of their own (see database._safe_request)
    for command in commands:
        transition(command, "delivered")
    return commands


def expire_due(now: int | None = None) -> int:
    """Expire open commands past their deadline (scheduler job)."""
    now = now_ms() if now is None else now
    due = db.session.scalars(select(Command).where(Command.status.in_(OPEN),
                                                   Command.expires_ms <= now)).all()
    for command in due:
        transition(command, "expired")
    return len(due)


def disable_pending(device_id: str) -> None:
    db.session.execute(update(Command).where(Command.device_id == device_id,
                                             Command.status.in_(OPEN))
                       .values(status="expired", completed_ms=now_ms(), error="device disabled"))


def to_dict(command: Command) -> dict:
    return {"id": command.id, "device_id": command.device_id, "name": command.name,
            "params": command.params, "status": command.status, "created_by": command.created_by,
            "created_at": command.created_ms, "expires_at": command.expires_ms,
            "sent_at": command.sent_ms, "delivered_at": command.delivered_ms,
            "completed_at": command.completed_ms, "result": command.result,
            "error": command.error}


def _changed(command: Command) -> None:
    events.notify("command", to_dict(command))
