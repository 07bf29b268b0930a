"""Isolating a DMA: its isolation plan from the stored network (the valves through which water
enters it: metadata role "inlet" or "boundary"), and the set_position commands that close or
reopen them, sent through the device-command path and tracked per valve."""

from sqlalchemy import select

from smartcity.devices import commands
from smartcity.devices.control_models import Command
from smartcity.devices.models import Device
from smartcity.errors import ApiError, not_found
from smartcity.extensions import db
from smartcity.telemetry import reads
from smartcity.timeutil import iso
from smartcity.water.models import Isolation
from smartcity.water.network import VALVE, load_dmas

ISOLATING_ROLES = ("inlet", "boundary")
POSITIONS = {"close": 0.0, "open": 100.0}


def _dma(dma_id: str):
    found = next((d for d in load_dmas() if d.id == dma_id), None)
    if found is None:
        raise not_found("dma")
    return found


def _valves(dma) -> list[Device]:
    if not dma.valves:
        return []
    rows = db.session.scalars(select(Device).where(Device.id.in_(dma.valves), Device.type == VALVE)
                              .order_by(Device.id))
    return [d for d in rows if (d.meta or {}).get("role") in ISOLATING_ROLES]


def plan(dma_id: str) -> dict:
    """Which valves isolate the DMA, their newest position (%), and who would lose supply."""
    dma = _dma(dma_id)
    valves = _valves(dma)
    with db.reader() as conn:
        positions = {v.id: reads.latest(conn, v.id, ["position"]).get("position")
                     for v in valves}
    return {"dma": dma.id, "name": dma.name, "population": dma.population,
            "connections": dma.properties.get("connections"),
            "command": "set_position", "close_position": POSITIONS["close"],
            "open_position": POSITIONS["open"],
            "valves": [{"device_id": v.id, "name": v.name, "role": v.meta.get("role"),
                        "status": v.status, "location": dma.locations.get(v.id),
                        "position": positions[v.id]["value"] if positions[v.id] else None,
                        "position_at": positions[v.id]["ts"] if positions[v.id] else None}
                       for v in valves]}


def isolate(dma_id: str, action: str, reason: str | None, timeout_s: int,
            actor: str | None) -> Isolation:
    """Send every isolating valve of the DMA set_position (0 to close, 100 to reopen) and keep
    the commands; 409 when the DMA has no such valve or one of them is disabled (nothing is
    sent then)."""
    dma = _dma(dma_id)
    valves = _valves(dma)
    if not valves:
        raise ApiError(409, "no_isolating_valves",
                       f"{dma_id} has no valve with role inlet or boundary", {"field": "dma"})
    disabled = [v.id for v in valves if v.status != "active"]
    if disabled:
        raise ApiError(409, "device_disabled", f"valve {', '.join(disabled)} is disabled",
                       {"field": "dma"})
    position = POSITIONS[action]
    sent = [{"device_id": v.id, "position": position,
             "command_id": commands.create(v, "set_position", {"position": position},
                                           timeout_s, actor).id} for v in valves]
    row = Isolation(dma_id=dma.id, action=action, valves=sent, reason=reason, created_by=actor)
    db.session.add(row)
    db.session.commit()
    return row


def get(isolation_id: int) -> Isolation:
    row = db.session.get(Isolation, isolation_id)
    if row is None:
        raise not_found("isolation")
    return row


def status_of(states: list[str]) -> str:
    """One isolation's state from its commands': failed if any failed or expired, done when all
    succeeded, else pending."""
    if any(s in ("failed", "expired") for s in states):
        return "failed"
    if states and all(s == "succeeded" for s in states):
        return "done"
    return "pending"


def to_dict(row: Isolation) -> dict:
    valves = []
    for item in row.valves:
        command = db.session.get(Command, item["command_id"])
        valves.append(item | {"command": commands.to_dict(command) if command else None})
    states = [v["command"]["status"] if v["command"] else "expired" for v in valves]
    return {"id": row.id, "dma": row.dma_id, "action": row.action, "reason": row.reason,
            "created_by": row.created_by, "created_at": iso(row.created_at),
            "status": status_of(states), "valves": valves}
