"""The nightly suspected-burst job on stored nights: quiet on a normal night, an alarm with the
volume lost on a sudden rise, cleared when the night is normal again."""

import pytest

from smartcity.alerts.models import Alarm
from smartcity.extensions import db
from smartcity.timeutil import now_ms
from smartcity.water import events
from smartcity.water.events import BURST, CHECKED
from tests.domain import DAY, HOUR
from tests.water.kit import hourly

NOISE = [0.0, 0.3, -0.2, 0.1, -0.3, 0.2, 0.0, -0.1, 0.3, -0.2, 0.1, 0.0, -0.3, 0.2]


@pytest.fixture
def nights(dmas, store):
    """Tonight is the night two days ago; 14 nights before it at 20 m3/h (+- noise) at 03:00."""
    tonight = now_ms() // DAY * DAY - 2 * DAY
    readings = []
    for n, noise in enumerate(NOISE, start=1):
        night = tonight - n * DAY
        readings += hourly("wm-1", "flow", {night + 2 * HOUR: 26.0 + noise,
                                            night + 3 * HOUR: 20.0 + noise})
    store(readings)
    return tonight


def alarms(app):
    with app.app_context():
        found = [(a.originator_id, a.active, a.value, a.details)
                 for a in db.session.query(Alarm).filter(Alarm.type == BURST)]
        db.session.remove()
        return found


def check(app, night):
    with app.app_context():
        app.extensions.pop(CHECKED, None)
        result = events.night_check(app, night + 5 * HOUR)
        db.session.remove()
        return result


def test_a_normal_night_stays_quiet(app, nights, store):
    store(hourly("wm-1", "flow", {nights + 2 * HOUR: 26.5, nights + 3 * HOUR: 20.4}))
    result = check(app, nights)
    assert result == {"night": nights, "checked": 1, "suspected_bursts": []}
    assert alarms(app) == []


def test_a_sudden_rise_raises_a_suspected_burst_then_clears(app, nights, store):
    # a 7 m3/h leak from midnight: 03:00 reads 27 against a 20 m3/h median
    store(hourly("wm-1", "flow", {nights + 2 * HOUR: 33.0, nights + 3 * HOUR: 27.0}))
    assert check(app, nights)["suspected_bursts"] == ["dma-1"]
    [(dma, active, value, details)] = alarms(app)
    assert (dma, active) == ("dma-1", True)
    assert details["baseline_m3h"] == pytest.approx(20.0)
    assert details["rise_m3h"] == pytest.approx(7.0)
    # no pressure profile stored: the hour-day factor is 24
    assert value == pytest.approx(7.0 * 24) == details["estimated_loss_m3_per_day"]
    assert "m³ lost a day" in details["message"]
    with app.app_context():  # the same night again in this process: not repeated
        assert events.night_check(app, nights + 6 * HOUR)["reason"] == "already checked"
        db.session.remove()
    # the next night is normal again (repaired): the alarm clears
    store(hourly("wm-1", "flow", {nights + DAY + 2 * HOUR: 26.0,
                                  nights + DAY + 3 * HOUR: 20.1}))
    assert check(app, nights + DAY)["suspected_bursts"] == []
    [(_, active, _, _)] = alarms(app)
    assert active is False
