"""Traffic incidents: the SQL for traffic_incidents, and the capacity they take off the roads.

An open incident leaves its segment `capacity_share` of its capacity (0 closes it); the road
network reads open incidents as a capacity source (roads.store.add_capacity_source), so a route
planned the moment after an incident is reported already avoids or slows through it.
"""

import uuid

from sqlalchemy import select

from smartcity.errors import not_found
from smartcity.extensions import db
from smartcity.timeutil import now_ms
from smartcity.traffic.models import TrafficIncident

TYPES = ("accident", "roadworks", "closure", "breakdown", "event", "weather", "other")
SEVERITIES = ("minor", "major", "critical")
STATUSES = ("open", "resolved")
# Capacity left when the reporter does not say: a minor incident blocks part of a lane, a
# major one about half the road, a critical one (or a closure) all of it.
DEFAULT_SHARE = {"minor": 0.7, "major": 0.4, "critical": 0.0}
table = TrafficIncident.__table__


def to_dict(row: TrafficIncident) -> dict:
    return {"id": row.id, "segment_id": row.segment_id, "type": row.type,
            "severity": row.severity, "capacity_share": row.capacity_share,
            "description": row.description, "status": row.status, "location": row.location,
            "created_by": row.created_by, "created_ms": row.created_ms,
            "updated_ms": row.updated_ms, "resolved_ms": row.resolved_ms}


def create(data: dict, actor: str | None) -> TrafficIncident:
    share = data.get("capacity_share")
    if share is None:
        share = 0.0 if data["type"] == "closure" else DEFAULT_SHARE[data["severity"]]
    now = now_ms()
    row = TrafficIncident(id=uuid.uuid4().hex, segment_id=data["segment_id"], type=data["type"],
                          severity=data["severity"], capacity_share=share,
                          description=data.get("description"), status="open",
                          location=data.get("location"), created_by=actor, created_ms=now,
                          updated_ms=now)
    db.session.add(row)
    db.session.commit()
    return row


def get(incident_id: str) -> TrafficIncident:
    row = db.session.get(TrafficIncident, incident_id)
    if row is None:
        raise not_found("traffic incident")
    return row


def update(row: TrafficIncident, changes: dict) -> TrafficIncident:
    for name in ("type", "severity", "capacity_share", "description", "location"):
        if name in changes:
            setattr(row, name, changes[name])
    now = now_ms()
    if changes.get("status") == "resolved" and row.status != "resolved":
        row.status, row.resolved_ms = "resolved", now
    elif changes.get("status") == "open":
        row.status, row.resolved_ms = "open", None
    row.updated_ms = now
    db.session.commit()
    return row


def listing(status: str | None = None, segment_id: str | None = None, limit: int = 200) -> list:
    stmt = select(TrafficIncident).order_by(TrafficIncident.created_ms.desc()).limit(limit)
    if status:
        stmt = stmt.where(TrafficIncident.status == status)
    if segment_id:
        stmt = stmt.where(TrafficIncident.segment_id == segment_id)
    return list(db.session.scalars(stmt))


def reported_between(start: int, end: int) -> list[dict]:
    """Incidents reported in [start, end) in the shape reports list (Domain.incidents)."""
    rows = db.session.scalars(select(TrafficIncident).where(
        TrafficIncident.created_ms >= start, TrafficIncident.created_ms < end)
        .order_by(TrafficIncident.created_ms))
    return [{"id": r.id, "type": r.type, "severity": r.severity, "status": r.status,
             "reported": r.created_ms, "resolved": r.resolved_ms,
             "description": r.description or f"on {r.segment_id}"} for r in rows]


def open_shares() -> dict[str, float]:
    """{segment id: capacity share left} of the open incidents (the smallest per segment)."""
    with db.reader() as conn:
        rows = conn.execute(select(table.c.segment_id, table.c.capacity_share)
                            .where(table.c.status == "open")).all()
    shares: dict[str, float] = {}
    for segment, share in rows:
        shares[segment] = min(share, shares.get(segment, 1.0))
    return shares
