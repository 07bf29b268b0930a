"""Emergency KPIs (median response time, NFPA 1710 turnout and travel) on hand-built incidents."""

import time

import pytest

from smartcity.emergency.models import EmergencyIncident
from smartcity.extensions import db

HOUR = 3_600_000
DAY = 24 * HOUR
S = 1000

# type, seconds after the call of (dispatched, en route, on scene); None: never reached
TODAY = [
    ("fire", 50, 120, 320),  # turnout 70 <= 80, travel 200 <= 240, response 320
    ("medical", 60, 150, 450),  # turnout 90 > 60, travel 300 > 240, response 450
    ("medical", 30, 75, 325),  # turnout 45 <= 60, travel 250 > 240, response 325
    ("police", 20, 50, 150),  # no NFPA objective; response 150
    ("fire", 40, None, None),  # cancelled before turnout: no segment but call processing
]
YESTERDAY = [("medical", 30, 60, 600)]


def add(rows, base: int) -> None:
    for i, (kind, dispatched, en_route, on_scene) in enumerate(rows):
        reported = base + i * HOUR

        def at(seconds, reported=reported):
            return None if seconds is None else reported + seconds * S

        db.session.add(EmergencyIncident(
            id=f"inc-{base}-{i}", type=kind, priority=1, status="resolved", lat=45.0, lon=7.0,
            unit_id="amb-1", reported_ms=reported, dispatched_ms=at(dispatched),
            en_route_ms=at(en_route), on_scene_ms=at(on_scene), resolved_ms=reported + HOUR))


@pytest.fixture
def incidents(app):
    end = int(time.time() * 1000) // HOUR * HOUR
    with app.app_context():
        add(TODAY, end - DAY + 60_000)
        add(YESTERDAY, end - 2 * DAY + 60_000)
        db.session.commit()
        db.session.remove()


def test_emergency_kpis_equal_the_hand_computed_values(api, incidents):
    kpis = {k["name"]: k for k in api("/api/analytics/kpi", domain="emergency",
                                      period="day")["kpis"]}
    response = kpis["median_response_time"]
    assert response["value"] == 322.5  # median of 150, 320, 325, 450
    assert response["unit"] == "s" and response["iso"].startswith("ISO 37120")
    assert response["trend"]["previous"] == 600.0 and response["trend"]["improving"] is True
    assert kpis["turnout_compliance"]["value"] == 66.7  # fire and one medical of three
    assert kpis["turnout_compliance"]["met"] is False
    assert kpis["travel_compliance"]["value"] == 33.3  # the fire call alone
    assert kpis["travel_compliance"]["trend"]["previous"] == 0.0  # travel 540 s yesterday


def test_no_incidents_is_no_value(api):
    for kpi in api("/api/analytics/kpi", domain="emergency", period="week")["kpis"]:
        assert kpi["value"] is None and kpi["trend"] is None
