"""Pressure-drop burst detection: neighbouring sensors dropping together against their own last
hour. Hand-computed cases, the job on stored readings, and the simulator's injected leak."""

import pytest

from smartcity.alerts.models import Alarm
from smartcity.devices.service import create_device
from smartcity.extensions import db
from smartcity.simulator import inject
from smartcity.simulator.city import generate_city
from smartcity.simulator.fleet import Fleet
from smartcity.simulator.seed import seed_city
from smartcity.timeutil import now_ms
from smartcity.water import burst, events
from tests.domain import DAY, HOUR

MINUTE = 60_000
NOW = 1_000 * HOUR
WINDOW, BASELINE = 15 * MINUTE, 60 * MINUTE


def series(before: list[float], recent: list[float]) -> list[tuple[int, float]]:
    """Readings every 5 minutes: `before` in the baseline hour, `recent` in the last window."""
    start = NOW - WINDOW - BASELINE
    return ([(start + i * 5 * MINUTE, v) for i, v in enumerate(before)]
            + [(NOW - WINDOW + i * 5 * MINUTE, v) for i, v in enumerate(recent)])


def test_a_sensor_drop_against_its_own_hour():
    # baseline median 4.0, deviations 0,0,0,0.1,0.1,... -> MAD 0.0; noise 0: the floor decides
    found = burst.sensor_drop(series([4.0] * 8 + [4.1, 3.9, 4.0, 4.0], [3.6, 3.6, 3.7]),
                              NOW, WINDOW, BASELINE, min_drop_bar=0.3, noise_k=5)
    assert found["baseline_bar"] == pytest.approx(4.0)
    assert found["now_bar"] == pytest.approx(3.6)
    assert found["drop_bar"] == pytest.approx(0.4)
    assert found["noise_bar"] == pytest.approx(0.0)
    assert found["dropped"] is True
    assert burst.sensor_drop(series([4.0] * 12, [3.8] * 3), NOW, WINDOW, BASELINE,
                             0.3)["dropped"] is False  # 0.2 bar is under the floor
    assert burst.sensor_drop(series([4.0] * 2, [3.0] * 3), NOW, WINDOW, BASELINE) is None


def test_a_noisy_sensor_needs_a_larger_drop():
    # alternating 3.8 / 4.2: median 4.0, MAD 0.2, noise 1.4826 * 0.2 = 0.2965; 5x = 1.48 bar
    noisy = series([3.8, 4.2] * 6, [3.4] * 3)
    found = burst.sensor_drop(noisy, NOW, WINDOW, BASELINE, 0.3, 5)
    assert found["noise_bar"] == pytest.approx(1.4826 * 0.2)
    assert found["drop_bar"] == pytest.approx(0.6) and found["dropped"] is False


def test_only_a_simultaneous_drop_is_a_burst():
    drop = {"drop_bar": 0.5, "dropped": True, "baseline_bar": 4.0, "now_bar": 3.5}
    still = {"drop_bar": 0.1, "dropped": False, "baseline_bar": 4.0, "now_bar": 3.9}
    assert burst.simultaneous_drop({"a": drop, "b": still}) is None
    assert burst.simultaneous_drop({"a": drop, "b": None}) is None  # one sensor cannot tell
    found = burst.simultaneous_drop({"a": drop, "b": drop | {"drop_bar": 0.7}, "c": still})
    assert set(found["sensors"]) == {"a", "b"} and found["reporting"] == 3
    assert found["mean_drop_bar"] == pytest.approx(0.6)
    assert found["max_drop_bar"] == pytest.approx(0.7)


@pytest.fixture
def two_sensors(app, dmas):
    with app.app_context():
        create_device({"id": "ps-1b", "type": "pressure_sensor", "asset_id": "dma-1",
                       "metadata": {"point": "inlet"}, "location": {"lat": 45.002, "lon": 9.012}})
        db.session.commit()
        db.session.remove()


def open_alarms(app, kind):
    with app.app_context():
        found = {a.originator_id: a for a in db.session.query(Alarm).filter(
            Alarm.type == kind, Alarm.active.is_(True))}
        db.session.remove()
        return found


def test_the_job_on_stored_readings(app, api, store, two_sensors):
    now = now_ms() // MINUTE * MINUTE
    start = now - 75 * MINUTE
    readings = []
    for ts in range(start, now, MINUTE):
        late = ts >= now - 15 * MINUTE
        readings += [("ps-1", ts, {"pressure": 3.0 - (0.5 if late else 0)}),
                     ("ps-1b", ts, {"pressure": 3.6 - (0.4 if late else 0)})]
    store(readings)
    quiet = api("/api/water/pressure-drops", at=now - 20 * MINUTE)["items"]
    assert [i["burst"] for i in quiet] == [None, None]
    items = {i["dma"]: i for i in api("/api/water/pressure-drops", at=now)["items"]}
    assert items["dma-2"]["status"] == "too_few_sensors"
    found = items["dma-1"]["burst"]
    assert found["sensors"]["ps-1"]["drop_bar"] == pytest.approx(0.5)
    assert found["sensors"]["ps-1b"]["drop_bar"] == pytest.approx(0.4)
    with app.app_context():
        assert events.pressure_drop_check(app, now)["suspected_bursts"] == ["dma-1"]
        db.session.remove()
    alarm = open_alarms(app, events.DROP)["dma-1"]
    assert alarm.severity == "critical" and alarm.value == pytest.approx(0.5)
    assert "ps-1 2.50 bar (-0.50)" in alarm.details["message"]


def test_the_simulators_leak_drops_pressure_and_is_flagged(app, client, headers, tmp_path):
    """A leak injected in dma-2 at 10:00 yesterday: every 15 minutes over the day before it
    (night, morning peak) nothing is flagged; within the hour after it, dma-2 is."""
    city = generate_city(42)
    with app.app_context():
        seed_city(tmp_path / "keys.json")
        db.session.remove()
    leak_at = now_ms() // DAY * DAY - DAY + 10 * HOUR
    leak = inject.plan("leak", city, leak_at / 1000, target="dma-2")
    ids = {d.id for d in city.devices if d.type == "pressure_sensor"}
    fleet = Fleet(42, city=city, ids=ids, events=[leak])
    body = [{"device_id": d, "ts": ts, "values": v}
            for ts in range(leak_at - 12 * HOUR, leak_at + HOUR, MINUTE)
            for d, v in fleet.sample_all(ts / 1000)]
    operator = headers("operator")
    for i in range(0, len(body), 2000):
        response = client.post("/api/telemetry/batch", json=body[i:i + 2000], headers=operator)
        assert response.status_code == 201 and not response.get_json()["rejected"]
    with app.app_context():
        before = [events.pressure_drop_check(app, at)["suspected_bursts"]
                  for at in range(leak_at - 10 * HOUR, leak_at + 1, 15 * MINUTE)]
        after = [events.pressure_drop_check(app, at)["suspected_bursts"]
                 for at in range(leak_at + 15 * MINUTE, leak_at + HOUR + 1, 15 * MINUTE)]
        db.session.remove()
    assert before == [[]] * len(before)
    assert ["dma-2"] in after and all(found in ([], ["dma-2"]) for found in after)
    assert set(open_alarms(app, events.DROP)) == {"dma-2"}
