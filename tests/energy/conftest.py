"""A small grid for the energy API tests: two districts, one substation with two feeders, two
feeder-head meters, a public consumer, a solar and a wind generator, a battery, a weather
station; readings stored at whole hours with the test kit's `store` (tests/domain.py)."""

import math
import random

import pytest

from smartcity.assets.models import Asset
from smartcity.extensions import db
from smartcity.timeutil import now_ms

HOUR = 3_600_000
DAY = 24 * HOUR
MONDAY_17 = 1_796_058_000_000  # 2026-11-30 17:00 UTC, a Monday: a peak-tariff hour


def _asset(id_, type_, name, parent=None, **props):
    return Asset(id=id_, type=type_, name=name, geometry=None, parent_id=parent,
                 properties=props)


@pytest.fixture
def grid(app, make_device):
    """The assets and devices; returns nothing but ids are fixed (see module docstring)."""
    with app.app_context():
        db.session.add(_asset("city", "city", "Testville"))
        db.session.flush()
        db.session.add_all([_asset("district-a", "district", "Alpha", "city"),
                            _asset("district-b", "district", "Beta", "city"),
                            _asset("substation-1", "substation", "Substation 1", "city")])
        db.session.flush()
        db.session.add_all([
            _asset("feeder-1", "feeder", "Feeder 1-N", "substation-1", substation="substation-1",
                   district="district-a", capacity_kw=100),
            _asset("feeder-2", "feeder", "Feeder 1-E", "substation-1", substation="substation-1",
                   district="district-b", capacity_kw=200)])
        db.session.commit()
        db.session.remove()
    make_device("em-1", "energy_meter", asset_id="feeder-1", metadata={"role": "feeder_head"})
    make_device("em-2", "energy_meter", asset_id="feeder-2", metadata={"role": "feeder_head"})
    make_device("em-3", "energy_meter", asset_id="feeder-2",
                metadata={"role": "consumer", "sector": "public"})
    make_device("gen-1", "generator", asset_id="feeder-1",
                metadata={"kind": "solar", "capacity_kw": 50})
    make_device("gen-2", "generator", asset_id="feeder-2",
                metadata={"kind": "wind", "capacity_kw": 80})
    make_device("bat-1", "battery", asset_id="substation-1",
                metadata={"capacity_kwh": 200, "max_kw": 50})
    make_device("ws-1", "weather_station")


@pytest.fixture
def two_hours(grid, store):
    """Monday 17:00 and 18:00 UTC; feeder 1 exports in the second hour."""
    h0, h1 = MONDAY_17, MONDAY_17 + HOUR
    store([("em-1", h0, {"power": 10}), ("em-1", h1, {"power": -5}),
           ("em-2", h0, {"power": 20}), ("em-2", h1, {"power": 20}),
           ("em-3", h0, {"power": 4}), ("em-3", h1, {"power": 4}),
           ("gen-1", h0, {"power": 0}), ("gen-1", h1, {"power": 15}),
           ("gen-2", h0, {"power": 0}), ("gen-2", h1, {"power": 0})])
    return {"start": h0, "end": h1 + HOUR}


def demand(hour_of_day: float, weekday: int, peak: float) -> float:
    """A residential day: night trough, morning bump, evening peak; weekends a little lower."""
    bump = math.exp(-0.5 * ((hour_of_day - 19.5) / 2) ** 2)
    morning = math.exp(-0.5 * ((hour_of_day - 7.5) / 1.3) ** 2)
    return peak * (0.35 + 0.2 * morning + 0.6 * bump) * (0.9 if weekday >= 5 else 1.0)


@pytest.fixture
def history(grid, store):
    """21 days of hourly readings ending at the last complete hour; feeder 1 peaks near 130 %."""
    rng = random.Random(5)
    end = now_ms() // HOUR * HOUR
    readings = []
    for i in range(21 * 24):
        ts = end - (21 * 24 - i) * HOUR
        hour, weekday = (ts // HOUR) % 24, ((ts // DAY) + 3) % 7
        temperature = 8 + 5 * math.sin(2 * math.pi * (hour - 9) / 24)
        readings += [
            ("em-1", ts, {"power": demand(hour, weekday, 112) + rng.gauss(0, 2)}),
            ("em-2", ts, {"power": demand(hour, weekday, 150) + rng.gauss(0, 3)}),
            ("em-3", ts, {"power": 30 + rng.gauss(0, 1)}),
            ("gen-1", ts, {"power": max(0.0, 40 * math.sin(math.pi * (hour - 6) / 12))}),
            ("gen-2", ts, {"power": 20.0}),
            ("ws-1", ts, {"temperature": temperature}),
            ("bat-1", ts, {"soc": 60.0, "power": 0.0})]
    store(readings)
    return end


@pytest.fixture(scope="session")
def city():
    """The demo city of seed 42 (pure: tests must not change it)."""
    from smartcity.simulator.city import generate_city

    return generate_city(42)
