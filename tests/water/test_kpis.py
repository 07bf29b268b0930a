"""The water KPIs (docs/kpis.md): non-revenue water by the IWA water balance and the city ILI,
on hand-computed cases and through GET /api/analytics/kpi."""

import pytest

from smartcity.timeutil import now_ms
from smartcity.water import kpis
from smartcity.water.network import BAR_TO_M
from tests.domain import DAY, HOUR
from tests.water.kit import hourly


def test_water_balance_by_hand():
    found = kpis.water_balance(1200.0, 20.0, 1000.0)
    assert found["non_revenue_m3"] == pytest.approx(180.0)
    assert found["nrw_pct"] == pytest.approx(15.0)
    assert kpis.water_balance(0.0, 0.0, 0.0)["nrw_pct"] is None


def test_city_ili_sums_before_dividing():
    per_dma = [{"carl_m3_per_day": 300.0, "uarl_m3_per_day": 100.0},
               {"carl_m3_per_day": 100.0, "uarl_m3_per_day": 100.0},
               {"carl_m3_per_day": None, "uarl_m3_per_day": 50.0}]
    assert kpis.city_ili(per_dma) == pytest.approx(2.0)  # 400 / 200, not the mean of 3 and 1
    assert kpis.city_ili(per_dma[2:]) is None


@pytest.fixture
def day(app, dmas, store):
    """Two days ago: dma-1's inlet 50 m3/h all day; the bulk meter's register advances 20 m3;
    a night as in test_routes (MNF 25 m3/h at 03:00, 5 bar at 02-04 and 4 bar otherwise)."""
    midnight = now_ms() // DAY * DAY - 2 * DAY
    flows = {midnight + h * HOUR: 50.0 for h in range(24)}
    flows[midnight + 3 * HOUR] = 25.0
    store(hourly("wm-1", "flow", flows))
    store([("wm-b", midnight - HOUR, {"volume": 100.0}), ("wm-b", midnight + 12 * HOUR,
                                                           {"volume": 120.0})])
    profile = {midnight + 4 * HOUR - DAY + h * HOUR: 4.0 for h in range(24)}
    profile[midnight + 2 * HOUR] = profile[midnight + 3 * HOUR] = 5.0
    store(hourly("ps-1", "pressure", profile))
    app.config["WATER_ASSESSED_LPCD"] = 100.0
    return midnight


def test_kpis_from_stored_readings(app, day):
    with app.app_context():
        balance = kpis.balance(day, day + DAY)
        ili = kpis.infrastructure_leakage_index(day, day + DAY)
    siv = 23 * 50.0 + 25.0
    assert balance["system_input_m3"] == pytest.approx(siv)
    assert balance["billed_metered_m3"] == pytest.approx(20.0)
    assert balance["billed_unmetered_m3"] == pytest.approx(10_000 * 0.1)  # 24 h of dma-1
    assert balance["nrw_pct"] == pytest.approx((siv - 1020.0) / siv * 100)
    # legitimate 6 m3/h (no bulk reading at 03:00); HDF 2 + 22 x 0.8 = 19.6
    carl = (25.0 - 6.0) * 19.6
    uarl = (18 * 20 + 0.8 * 4000) * (2 * 5.0 + 22 * 4.0) / 24 * BAR_TO_M / 1000
    assert ili == pytest.approx(carl / uarl)


def test_kpis_through_analytics(app, api, day):
    found = {k["name"]: k for k in api("/api/analytics/kpi", domain="water",
                                       period="week")["kpis"]}
    assert found["non_revenue_water"]["unit"] == "%"
    assert found["non_revenue_water"]["iso"].startswith("ISO 37120:2018 23.7")
    assert found["ili"]["iso"] is None and found["ili"]["target"] == 2.0
    assert found["ili"]["value"] is not None and found["non_revenue_water"]["value"] is not None
