"""Waste test kit: fill histories written through the ingest pipeline."""

from smartcity.telemetry import ingest
from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms

H = 3_600_000


def store_levels(app, device_id, levels, step_ms=H / 2):
    """A history of fill levels ending now, one every step_ms."""
    now = now_ms()
    points = [Point(device_id, "fill_level", int(now - (len(levels) - 1 - i) * step_ms), v, None)
              for i, v in enumerate(levels)]
    with app.test_request_context():
        ingest.store(ingest.Outcome(accepted=len(points), points=points))
