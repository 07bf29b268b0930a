"""Public alerts: stored broadcasts, served as OASIS CAP 1.2 XML (emergency.cap) and JSON."""

import uuid
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from smartcity.assets.models import Asset
from smartcity.emergency import cap
from smartcity.emergency.models import PublicAlert
from smartcity.errors import bad_request, not_found
from smartcity.extensions import db
from smartcity.timeutil import now_ms


def district_polygons(ids: list[str]) -> list[list[list[float]]]:
    """[[lat, lon], ...] outer rings of the districts (CAP polygons are lat,lon)."""
    rows = {a.id: a for a in db.session.scalars(select(Asset).where(
        Asset.id.in_(ids), Asset.type == "district"))}
    polygons = []
    for i, district_id in enumerate(ids):
        asset = rows.get(district_id)
        if asset is None or (asset.geometry or {}).get("type") != "Polygon":
            raise bad_request(f"unknown district {district_id!r}", f"area.district_ids.{i}")
        polygons.append([[lat, lon] for lon, lat in asset.geometry["coordinates"][0]])
    return polygons


def create(data: dict, actor: str | None) -> PublicAlert:
    area = data["area"]
    polygons = [area["polygon"]] if area.get("polygon") else district_polygons(
        area["district_ids"])
    for polygon in polygons:
        try:
            cap.polygon_text(polygon)
        except ValueError as exc:
            raise bad_request(str(exc), "area.polygon") from None
    sent = now_ms()
    expires = data.get("expires_ms") or sent + data["expires_in_s"] * 1000
    if expires <= sent:
        raise bad_request("the alert must expire in the future", "expires")
    row = PublicAlert(id=uuid.uuid4().hex, event=data["event"], headline=data["headline"],
                      description=data["description"], instruction=data.get("instruction"),
                      category=data["category"], urgency=data["urgency"],
                      severity=data["severity"], certainty=data["certainty"],
                      area={"description": area["description"], "polygons": polygons,
                            "district_ids": area.get("district_ids")},
                      created_by=actor, sent_ms=sent, expires_ms=expires)
    db.session.add(row)
    db.session.commit()
    return row


def get(alert_id: str) -> PublicAlert:
    row = db.session.get(PublicAlert, alert_id)
    if row is None:
        raise not_found("alert")
    return row


def listing(active_only: bool = False, limit: int = 100) -> list[PublicAlert]:
    stmt = select(PublicAlert).order_by(PublicAlert.sent_ms.desc()).limit(limit)
    if active_only:
        stmt = stmt.where(PublicAlert.expires_ms > now_ms())
    return list(db.session.scalars(stmt))


def to_dict(row: PublicAlert) -> dict:
    return {"id": row.id, "event": row.event, "headline": row.headline,
            "description": row.description, "instruction": row.instruction,
            "category": row.category, "urgency": row.urgency, "severity": row.severity,
            "certainty": row.certainty, "area": row.area, "created_by": row.created_by,
            "sent_ms": row.sent_ms, "expires_ms": row.expires_ms,
            "cap_url": f"/api/emergency/alerts/{row.id}/cap"}


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, UTC)


def to_cap(row: PublicAlert) -> bytes:
    config = current_app.config
    return cap.build_alert({
        "identifier": f"{config['EMERGENCY_CAP_SENDER']}-{row.id}",
        "sender": config["EMERGENCY_CAP_SENDER"], "sent": _time(row.sent_ms),
        "status": "Actual", "msg_type": "Alert", "scope": "Public",
        "info": [{"category": row.category, "event": row.event, "urgency": row.urgency,
                  "severity": row.severity, "certainty": row.certainty,
                  "expires": _time(row.expires_ms),
                  "sender_name": config["EMERGENCY_CAP_SENDER_NAME"],
                  "headline": row.headline, "description": row.description,
                  "instruction": row.instruction,
                  "areas": [{"description": row.area["description"],
                             "polygons": row.area["polygons"]}]}]})
