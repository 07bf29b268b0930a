"""Notification test helpers; the outside parties are the kit's webhook receiver
(tests/webhook.py) and SMTP server (tests/smtp.py)."""

import pytest
from sqlalchemy import select

from smartcity.notifications.dispatcher import get_dispatcher
from smartcity.notifications.models import NotificationDelivery


@pytest.fixture
def dispatcher(app):
    return get_dispatcher(app)


def make_alarm(**fields) -> dict:
    alarm = {"id": 7, "originator_type": "device", "originator_id": "aq-1",
             "type": "pm25_high", "severity": "major", "status": "active_unack",
             "domain": "environment", "details": {"key": "pm25", "threshold": 50},
             "value": 61.5, "peak_value": 72.0, "count": 3,
             "first_seen": "2026-11-23T10:00:00.000Z", "last_seen": "2026-11-23T10:02:00.000Z"}
    return {**alarm, **fields}


def make_rule(**notify) -> dict:
    return {"id": 3, "name": "PM2.5 above 50", "severity": "major", "notify": notify}


@pytest.fixture
def notify(app, dispatcher):
    """Deliver an alarm event to the notification listener, as the alerts service does."""

    def emit(action="created", alarm=None, rule=None):
        with app.app_context():
            dispatcher.on_alarm(action, alarm or make_alarm(), rule)

    return emit


@pytest.fixture
def deliveries(app):
    """The delivery rows, oldest first, as fresh objects."""

    def read():
        from smartcity.extensions import db

        with app.app_context():
            rows = db.session.scalars(select(NotificationDelivery)
                                      .order_by(NotificationDelivery.id)).all()
            db.session.expunge_all()
            return rows

    return read
