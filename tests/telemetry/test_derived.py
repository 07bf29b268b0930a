"""Derived values (AQI, congestion...) go through the pipeline like readings, but a device is
not heard from when the platform writes a value about it."""

from smartcity.devices.models import Device
from smartcity.extensions import db
from smartcity.telemetry.pipeline import get_pipeline
from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms


def _last_seen(app, device_id):
    with app.app_context():
        value = db.session.get(Device, device_id).last_seen
        db.session.remove()
        return value


def _write(app, points, derived):
    with app.app_context():
        job = get_pipeline().submit(points, derived=derived)
        assert job.wait(10) and job.error is None
        return job.inserted


def test_derived_points_are_stored_without_touching_last_seen(app, make_device):
    make_device("aq-derived")
    ts = now_ms() // 3_600_000 * 3_600_000
    assert _write(app, [Point("aq-derived", "aqi", ts, 57.0, None)], derived=True) == 1
    assert _last_seen(app, "aq-derived") is None
    assert _write(app, [Point("aq-derived", "pm25", ts, 12.0, None)], derived=False) == 1
    assert _last_seen(app, "aq-derived") is not None


def test_a_batch_mixing_readings_and_derived_values_touches_only_the_heard_devices(
        app, make_device):
    make_device("aq-heard")
    make_device("aq-quiet")
    ts = now_ms()
    with app.app_context():
        pipeline = get_pipeline()
        jobs = [pipeline.submit([Point("aq-quiet", "aqi", ts, 80.0, None)], derived=True),
                pipeline.submit([Point("aq-heard", "pm25", ts, 9.0, None)])]
        assert all(job.wait(10) and job.error is None for job in jobs)
    assert _last_seen(app, "aq-quiet") is None
    assert _last_seen(app, "aq-heard") is not None
