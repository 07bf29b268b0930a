"""KPIs from the domains' @domain.kpi registry, checked on hand-built readings."""

import time

import pytest

from smartcity.analytics.kpis import trend
from smartcity.domain import Domain

HOUR = 3_600_000
DAY = 24 * HOUR


@pytest.fixture
def air(make_device, store):
    """Two stations; today (the last 24 complete hours) and yesterday, hour by hour."""
    make_device("aq-1", type="air_quality_station")
    make_device("aq-2", type="air_quality_station")
    end = int(time.time() * 1000) // HOUR * HOUR
    today = [("aq-1", 10, 40), ("aq-1", 20, 60), ("aq-2", 30, 50), ("aq-2", 40, 120)]
    yesterday = [("aq-1", 10, 30), ("aq-2", 10, 30)]
    readings = []
    for base, rows in ((end - DAY, today), (end - 2 * DAY, yesterday)):
        for i, (device, pm25, aqi) in enumerate(rows):
            readings.append((device, base + i * HOUR + 60_000, {"pm25": pm25, "aqi": aqi}))
    store(readings)
    return end


def by_name(answer: dict) -> dict:
    return {k["name"]: k for k in answer["kpis"]}


def test_environment_kpis_equal_the_hand_computed_values(api, air):
    got = api("/api/analytics/kpi", domain="environment", period="day")
    assert (got["start"], got["end"]) == (air - DAY, air)
    kpis = by_name(got)
    pm = kpis["pm25_mean"]
    assert pm["value"] == 25.0 and pm["unit"] == "µg/m³" and pm["target"] == 5.0
    assert pm["iso"].startswith("ISO 37120") and pm["definition"]
    assert pm["trend"] == {"previous": 10.0, "delta": 15.0, "delta_pct": 150.0,
                           "direction": "up", "improving": False}
    assert pm["met"] is False
    good = kpis["good_aqi_hours"]
    assert good["value"] == 50.0  # 40 and 50 of 40, 60, 50, 120
    assert good["trend"]["previous"] == 100.0 and good["trend"]["improving"] is False


def test_the_overview_lists_every_domain_with_kpis(api, air):
    got = api("/api/analytics/overview", period="day")
    names = [d["domain"] for d in got["domains"]]
    assert "environment" in names
    env = next(d for d in got["domains"] if d["domain"] == "environment")
    assert by_name(env)["pm25_mean"]["value"] == 25.0


def test_no_readings_is_no_value_not_zero(api):
    kpis = by_name(api("/api/analytics/kpi", domain="environment", period="week"))
    assert kpis["pm25_mean"]["value"] is None and kpis["pm25_mean"]["trend"] is None


@pytest.mark.parametrize(("query", "status", "field"), [
    ({}, 400, "domain"), ({"domain": "environment", "period": "year"}, 400, "period"),
])
def test_bad_query_is_a_400_naming_the_field(client, viewer_headers, query, status, field):
    response = client.get("/api/analytics/kpi", query_string=query, headers=viewer_headers)
    assert response.status_code == status
    assert response.get_json()["error"]["details"]["field"] == field


def test_an_unknown_domain_is_404(client, viewer_headers):
    response = client.get("/api/analytics/kpi", query_string={"domain": "nowhere"},
                          headers=viewer_headers)
    assert response.status_code == 404


def test_trend_says_whether_the_change_is_good():
    assert trend(8.0, 10.0, "lower") == {"previous": 10.0, "delta": -2.0, "delta_pct": -20.0,
                                         "direction": "down", "improving": True}
    assert trend(8.0, 8.0, "higher")["improving"] is None
    assert trend(5.0, 0.0, "higher")["delta_pct"] is None
    assert trend(None, 1.0, "higher") is None


def test_the_kpi_registry_records_and_checks_declarations():
    d = Domain("x", "X")

    @d.kpi("k", "K", "%", target=1.0, better="lower", definition="d")
    def k(start, end):
        return 1.0

    assert d.kpis[0]["fn"] is k and d.kpis[0]["better"] == "lower"
    with pytest.raises(ValueError):
        d.kpi("bad", "Bad", "%", better="sideways")
