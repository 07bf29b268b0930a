"""The nightly check on the simulator's own night flow: the injected leak is flagged the night
it starts, and the nights before it stay quiet."""

import pytest

from smartcity.alerts.models import Alarm
from smartcity.extensions import db
from smartcity.simulator import inject
from smartcity.simulator.city import generate_city
from smartcity.simulator.fleet import Fleet
from smartcity.simulator.seed import seed_city
from smartcity.timeutil import now_ms
from smartcity.water import events
from tests.domain import DAY, HOUR

NIGHTS = 16  # the leak night and 15 before it
STEP = 10 * 60_000


@pytest.fixture
def simulated(app, client, headers, tmp_path):
    """Every night's 01:00-05:00 water readings; a leak in dma-2 from 00:30 of the last night."""
    city = generate_city(42)
    with app.app_context():
        seed_city(tmp_path / "keys.json")
        db.session.remove()
    tonight = now_ms() // DAY * DAY - 2 * DAY
    leak = inject.plan("leak", city, (tonight + HOUR // 2) / 1000, target="dma-2")
    ids = {d.id for d in city.devices if d.type in ("water_meter", "pressure_sensor")}
    fleet = Fleet(42, city=city, ids=ids, events=[leak])
    body = []
    for n in range(NIGHTS):
        night = tonight - (NIGHTS - 1 - n) * DAY
        for ts in range(night + HOUR, night + 5 * HOUR, STEP):
            body += [{"device_id": d, "ts": ts, "values": v}
                     for d, v in fleet.sample_all(ts / 1000)]
    operator = headers("operator")
    for i in range(0, len(body), 2000):
        response = client.post("/api/telemetry/batch", json=body[i:i + 2000], headers=operator)
        assert response.status_code == 201 and not response.get_json()["rejected"]
    return tonight


def open_bursts(app):
    with app.app_context():
        found = {a.originator_id: a.details for a in db.session.query(Alarm).filter(
            Alarm.type == events.BURST, Alarm.active.is_(True))}
        db.session.remove()
        return found


def test_the_injected_leak_is_flagged_within_one_night(app, api, simulated):
    with app.app_context():
        quiet = events.night_check(app, simulated - DAY + 5 * HOUR)
        db.session.remove()
    assert quiet["checked"] == 6 and quiet["suspected_bursts"] == []
    assert open_bursts(app) == {}
    tiles = {t["name"]: t for t in api("/api/dashboard/overview")["tiles"]}
    assert tiles["suspected-leaks"]["data"]["value"] == 0
    with app.app_context():
        flagged = events.night_check(app, simulated + 5 * HOUR)
        db.session.remove()
    assert flagged["suspected_bursts"] == ["dma-2"]
    details = open_bursts(app)["dma-2"]
    assert details["rise_m3h"] > 0 and details["estimated_loss_m3_per_day"] > 0
    tiles = {t["name"]: t for t in api("/api/dashboard/overview")["tiles"]}
    assert tiles["suspected-leaks"]["data"]["value"] == 1
    assert tiles["suspected-leaks"]["data"]["status"] == "alarm"
    ranked = api("/api/water/leaks", night=simulated)["items"]
    assert ranked[0]["dma"] == "dma-2"
