"""The energy KPI analytics collects (docs/kpis.md), on the two hand-built hours."""

import pytest

from smartcity.energy import domain


def kpi(name):
    return next(k for k in domain.kpis if k["name"] == name)


def test_renewable_share_is_generation_over_consumption(app, two_hours):
    with app.app_context():
        value = kpi("renewable_share")["fn"](two_hours["start"], two_hours["end"])
    assert value == pytest.approx(100 * 15 / 68, abs=0.01)


def test_renewable_share_without_readings_is_none(app, grid):
    with app.app_context():
        assert kpi("renewable_share")["fn"](0, 2 * 3_600_000) is None
