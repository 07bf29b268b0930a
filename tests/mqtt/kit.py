"""Helpers for MQTT tests."""

from sqlalchemy import func, select

from smartcity.extensions import db
from smartcity.telemetry.models import telemetry


def stored(app, device_id=None) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(telemetry)
        if device_id:
            stmt = stmt.where(telemetry.c.device_id == device_id)
        return db.session.scalar(stmt)
