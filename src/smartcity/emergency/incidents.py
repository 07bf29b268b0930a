"""Emergency incidents: the SQL for emergency_incidents and the lifecycle rules.

reported -> dispatched -> en_route -> on_scene -> resolved, each status keeping the time it was
reached (the NFPA 1710 segments are differences of these). A call may be resolved from any
open status (a cancelled call); otherwise statuses only move forward, one or more steps.
"""

import uuid

from sqlalchemy import select

from smartcity.emergency.models import EmergencyIncident
from smartcity.errors import ApiError, not_found
from smartcity.extensions import db
from smartcity.timeutil import now_ms

TYPES = ("fire", "medical", "police", "hazmat", "flood")
STATUSES = ("reported", "dispatched", "en_route", "on_scene", "resolved")
OPEN = STATUSES[:-1]
BUSY = ("dispatched", "en_route", "on_scene")  # a unit on such an incident is not available


def to_dict(row: EmergencyIncident) -> dict:
    return {"id": row.id, "type": row.type, "priority": row.priority, "status": row.status,
            "location": {"lat": row.lat, "lon": row.lon}, "district_id": row.district_id,
            "description": row.description, "unit_id": row.unit_id, "route": row.route,
            "created_by": row.created_by,
            "times": {s: getattr(row, f"{s}_ms") for s in STATUSES}}


def nfpa_record(row: EmergencyIncident) -> dict:
    """What emergency.nfpa.statistics reads."""
    return {"type": row.type, "district": row.district_id, "reported": row.reported_ms,
            "dispatched": row.dispatched_ms, "en_route": row.en_route_ms,
            "on_scene": row.on_scene_ms}


def create(data: dict, district_id: str | None, actor: str | None) -> EmergencyIncident:
    row = EmergencyIncident(id=uuid.uuid4().hex, type=data["type"], priority=data["priority"],
                            status="reported", lat=data["location"]["lat"],
                            lon=data["location"]["lon"], district_id=district_id,
                            description=data.get("description"), created_by=actor,
                            reported_ms=data.get("reported_ms") or now_ms())
    db.session.add(row)
    db.session.commit()
    return row


def get(incident_id: str) -> EmergencyIncident:
    row = db.session.get(EmergencyIncident, incident_id)
    if row is None:
        raise not_found("emergency incident")
    return row


def advance(row: EmergencyIncident, status: str, at: int | None = None) -> EmergencyIncident:
    """Move to a later status, stamping it (and any skipped one) with the time."""
    if row.status == "resolved":
        raise ApiError(409, "conflict", "the incident is resolved", {"field": "status"})
    if status != "resolved" and STATUSES.index(status) <= STATUSES.index(row.status):
        raise ApiError(409, "conflict", f"cannot go from {row.status} to {status}",
                       {"field": "status"})
    if status in BUSY and row.unit_id is None:
        raise ApiError(409, "conflict", "dispatch a unit first", {"field": "status"})
    at = at or now_ms()
    if status != "resolved":
        for step in STATUSES[STATUSES.index(row.status) + 1:STATUSES.index(status) + 1]:
            setattr(row, f"{step}_ms", at)
    row.status, row.resolved_ms = status, at if status == "resolved" else row.resolved_ms
    db.session.commit()
    return row


def dispatch(row: EmergencyIncident, unit_id: str, route: dict | None) -> EmergencyIncident:
    if row.status != "reported":
        raise ApiError(409, "conflict", f"the incident is already {row.status}",
                       {"field": "incident_id"})
    row.unit_id, row.route = unit_id, route
    row.status, row.dispatched_ms = "dispatched", now_ms()
    db.session.commit()
    return row


def listing(status: str | None = None, type_: str | None = None, limit: int = 200) -> list:
    stmt = select(EmergencyIncident).order_by(EmergencyIncident.reported_ms.desc()).limit(limit)
    if status == "open":
        stmt = stmt.where(EmergencyIncident.status.in_(OPEN))
    elif status:
        stmt = stmt.where(EmergencyIncident.status == status)
    if type_:
        stmt = stmt.where(EmergencyIncident.type == type_)
    return list(db.session.scalars(stmt))


def between(start: int, end: int) -> list[EmergencyIncident]:
    return list(db.session.scalars(select(EmergencyIncident).where(
        EmergencyIncident.reported_ms >= start, EmergencyIncident.reported_ms < end)))


def reported_between(start: int, end: int) -> list[dict]:
    """Incidents reported in [start, end) in the shape reports list (Domain.incidents)."""
    return [{"id": r.id, "type": r.type, "severity": f"priority {r.priority}",
             "status": r.status, "reported": r.reported_ms, "resolved": r.resolved_ms,
             "description": r.description or r.district_id or ""}
            for r in sorted(between(start, end), key=lambda r: r.reported_ms)]


def busy_units() -> dict[str, tuple[str, str]]:
    """{unit id: (incident id, incident status)} for units on an open incident."""
    rows = db.session.execute(select(EmergencyIncident.unit_id, EmergencyIncident.id,
                                     EmergencyIncident.status)
                              .where(EmergencyIncident.status.in_(BUSY),
                                     EmergencyIncident.unit_id.is_not(None))).all()
    return {u: (i, s) for u, i, s in rows}
