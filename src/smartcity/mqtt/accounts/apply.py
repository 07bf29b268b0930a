"""Apply queued broker account changes: one process at a time, idempotent, retried until done.

Each device's queued rows collapse into one "make the broker match the registry" step: its role,
its client (username = client id = device id, the newest queued key as password, its own role
and, for a gateway, its children's), enabled or disabled as the device is; or, for a deleted
device, no client, no role and no retained configuration. Replaying a step changes nothing, so a
crash between the broker's answer and the row's deletion is harmless.
"""

import logging
import threading
from collections import OrderedDict

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from smartcity.devices.models import Device
from smartcity.extensions import db
from smartcity.jobs.models import JobRun
from smartcity.mqtt.accounts import acl
from smartcity.mqtt.accounts.control import BrokerUnavailable, DynsecControl
from smartcity.mqtt.accounts.models import BrokerAccountChange
from smartcity.mqtt.accounts.queue import decrypt
from smartcity.mqtt.settings import parse_mqtt_url, platform_client_id
from smartcity.timeutil import now_ms

log = logging.getLogger(__name__)

LEASE = "broker_accounts.lease"
LEASE_MS = 120_000  # a holder that died stops blocking the others after this
BATCH_DEVICES = 100
# Answers that mean "already as we want it".
HARMLESS = {("createRole", "Role already exists"), ("createClient", "Client already exists"),
            ("deleteClient", "Client not found"), ("deleteRole", "Role not found")}


def configured(app) -> bool:
    return bool(app.config.get("MQTT_URL") and app.config.get("MQTT_ADMIN_USERNAME"))


def _take_lease(now: int) -> bool:
    with db.engine.begin() as conn:
        if conn.scalar(select(JobRun.name).where(JobRun.name == LEASE)) is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(JobRun).values(name=LEASE, last_started=0))
            except IntegrityError:
                pass
        return conn.execute(update(JobRun).where(
            JobRun.name == LEASE, JobRun.last_started <= now - LEASE_MS)
            .values(last_started=now)).rowcount == 1


def _release_lease() -> None:
    with db.engine.begin() as conn:
        conn.execute(update(JobRun).where(JobRun.name == LEASE).values(last_started=0))


def sync_commands(device: Device, children: list[str], password: str | None) -> list[dict]:
    """Commands that make the broker's client for `device` match the registry."""
    roles = acl.client_roles(device.id, children)
    secret = {"password": password} if password else {}
    commands = [{"command": "createRole", **acl.device_role(i)} for i in [device.id, *children]]
    commands += [
        {"command": "createClient", "username": device.id, "clientid": device.id,
         "roles": roles, **secret},
        {"command": "modifyClient", "username": device.id, "clientid": device.id,
         "roles": roles, **secret},
        {"command": "enableClient" if device.status == "active" else "disableClient",
         "username": device.id}]
    return commands


def delete_commands(device_id: str) -> list[dict]:
    return [{"command": "deleteClient", "username": device_id},
            {"command": "deleteRole", "rolename": acl.device_role_name(device_id)}]


def _plan(rows: list[BrokerAccountChange], secret_key: str) -> OrderedDict:
    """device id -> (row ids, commands); the newest queued key wins."""
    by_device: OrderedDict[str, list[BrokerAccountChange]] = OrderedDict()
    for row in rows:
        by_device.setdefault(row.device_id, []).append(row)
    plan = OrderedDict()
    for device_id, changes in by_device.items():
        device = db.session.get(Device, device_id)
        ids = [c.id for c in changes]
        if device is None:
            plan[device_id] = (ids, delete_commands(device_id))
            continue
        password = None
        for change in reversed(changes):
            if change.secret:
                password = decrypt(change.secret, secret_key)
                if password is None:
                    log.warning("broker account %s: key queued under another SECRET_KEY; "
                                "rotate the device's key", device_id)
                break
        children = list(db.session.scalars(
            select(Device.id).where(Device.gateway_id == device_id).order_by(Device.id)))
        plan[device_id] = (ids, sync_commands(device, children, password))
    return plan


def _failures(commands: list[dict], responses: list[dict]) -> list[str]:
    return [f"{c['command']}: {r['error']}" for c, r in zip(commands, responses, strict=True)
            if r.get("error") and (c["command"], r["error"]) not in HARMLESS]


def apply_pending(app=None) -> dict:
    """Apply every queued change this process can; returns counts (the scheduler logs them)."""
    app = app or current_app._get_current_object()
    if not configured(app):
        return {"skipped": "MQTT_URL or MQTT_ADMIN_USERNAME not set"}
    if not _take_lease(now_ms()):
        return {"skipped": "another process is applying"}
    applied = failed = 0
    try:
        broker = parse_mqtt_url(app.config["MQTT_URL"])
        with DynsecControl(broker, app.config["MQTT_ADMIN_USERNAME"],
                           app.config.get("MQTT_ADMIN_PASSWORD") or "",
                           platform_client_id(app, "admin")) as control:
            last_id = 0
            while True:
                rows = list(db.session.scalars(
                    select(BrokerAccountChange).where(BrokerAccountChange.id > last_id)
                    .order_by(BrokerAccountChange.id).limit(BATCH_DEVICES * 4)))
                if not rows:
                    break
                last_id = rows[-1].id
                plan = _plan(rows, app.config["SECRET_KEY"])
                flat = [c for _ids, commands in plan.values() for c in commands]
                responses = iter(control.send(flat))
                for device_id, (ids, commands) in plan.items():
                    errors = _failures(commands, [next(responses) for _ in commands])
                    if errors:
                        failed += 1
                        db.session.execute(update(BrokerAccountChange).where(
                            BrokerAccountChange.id.in_(ids)).values(
                            attempts=BrokerAccountChange.attempts + 1,
                            last_error="; ".join(errors)[:500]))
                        log.warning("broker account %s not applied: %s", device_id, errors)
                        continue
                    if commands[0]["command"] == "deleteClient":
                        # A deleted device's retained config must not greet a new device
                        # that takes its id.
                        control.client.publish(f"devices/{device_id}/config", b"", qos=1,
                                               retain=True).wait_for_publish(control.timeout)
                    db.session.execute(delete(BrokerAccountChange).where(
                        BrokerAccountChange.id.in_(ids)))
                    applied += 1
                db.session.commit()
    except BrokerUnavailable as exc:
        db.session.rollback()
        log.warning("broker accounts not applied: %s", exc)
        return {"applied": applied, "failed": failed, "error": str(exc)}
    finally:
        db.session.remove()
        _release_lease()
    return {"applied": applied, "failed": failed}


def pending_count() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(BrokerAccountChange.id))) or 0


class Applier:
    """A thread per process that applies the queue soon after a change is committed."""

    def __init__(self, app):
        self.app = app
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def kick(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="broker-accounts",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            with self.app.app_context():
                for _attempt in range(5):  # another process may hold the lease briefly
                    result = apply_pending(self.app)
                    if result.get("skipped") != "another process is applying":
                        break
                    self._wake.wait(1.0)
