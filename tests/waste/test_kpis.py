"""The waste KPI analytics collects (docs/kpis.md): bins collected before full."""

import time

from smartcity.waste import domain
from tests.waste.kit import store_levels


def test_collected_before_full_counts_the_levels_the_truck_found(app, client, city, headers):
    operator = headers("operator")
    store_levels(app, "bin-1", [50, 70])  # collected at 70: before full
    store_levels(app, "bin-2", [80, 95])  # at 95: full (WASTE_OVERFLOW_PCT 90)
    store_levels(app, "bin-5", [30, 89])  # at 89: before full
    made = client.post("/api/waste/collections", headers=operator, json={
        "vehicle_id": "truck-1", "scheduled_for": "-1h", "bins": ["bin-1", "bin-2", "bin-5"]})
    assert made.status_code == 201, made.get_json()
    done = client.post(f"/api/waste/collections/{made.get_json()['id']}/complete",
                       headers=operator, json={})
    assert done.status_code == 200, done.get_json()
    end = int(time.time() * 1000) + 3_600_000
    kpi = next(k for k in domain.kpis if k["name"] == "collected_before_full")
    with app.app_context():
        assert kpi["fn"](end - 86_400_000, end) == round(100 * 2 / 3, 1)
        assert kpi["fn"](0, end - 86_400_000) is None  # no round completed then
