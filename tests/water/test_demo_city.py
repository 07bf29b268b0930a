"""The water network of the seeded demo city: six DMAs, their devices, the default rules."""

from sqlalchemy import select

from smartcity.alerts.models import AlertRule
from smartcity.extensions import db
from smartcity.simulator.seed import seed_city


def test_demo_city_network(app, api, tmp_path):
    with app.app_context():
        seed_city(tmp_path / "demo-keys.json")
        names = set(db.session.scalars(select(AlertRule.name)))
        db.session.remove()
    assert {"Low water pressure", "High water pressure"} <= names
    items = api("/api/water/network")["items"]
    assert [d["id"] for d in items] == [f"dma-{n}" for n in range(1, 7)]
    for n, dma in enumerate(items, start=1):
        assert dma["devices"]["inlet_meters"] == [f"wm-{n}"]
        assert f"ps-{n}" in dma["devices"]["pressure_sensors"]
        assert dma["devices"]["valves"] == [f"valve-{n}"]
        assert dma["population"] > 0 and dma["mains_km"] > 0 and dma["connections"] > 0
    assert sum(len(d["devices"]["bulk_meters"]) for d in items) == 4
    leaks = api("/api/water/leaks")["items"]
    assert {i["status"] for i in leaks} == {"no_data"}
