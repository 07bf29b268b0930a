"""Demand from the buses' passenger counters, the next day's boardings per line, and fuel use
and idle time per vehicle, on hand-built readings."""

import pytest

from smartcity.assets.models import Asset
from smartcity.extensions import db
from smartcity.timeutil import now_ms
from smartcity.transport import demand

H = 3_600_000
U = 0.009  # ~1 km of latitude


@pytest.fixture
def line(app, make_device):
    """Line L from stop S1 (0, 0) to S2 (0, U); buses 1 and 2 on it, a truck on none."""
    with app.app_context():
        db.session.add(Asset(id="city", type="city", name="Town", properties={}))
        for sid, node, lat in (("S1", "n1", 0.0), ("S2", "n2", U)):
            db.session.add(Asset(id=sid, type="bus_stop", name=f"Stop {sid}",
                                 geometry={"type": "Point", "coordinates": [0.0, lat]},
                                 properties={"node": node}))
        db.session.add(Asset(id="L", type="bus_line", name="Line L",
                             geometry={"type": "LineString", "coordinates": [[0, 0], [0, U]]},
                             properties={"ref": "L", "nodes": ["n1", "n2"], "stops": ["S1", "S2"],
                                         "headway_min": 10}))
        db.session.commit()
        db.session.remove()
    for bus in ("bus-1", "bus-2"):
        make_device(bus, type="vehicle", metadata={"kind": "bus", "line": "L"})
    make_device("truck-1", type="vehicle", metadata={"kind": "truck"})
    return now_ms() // H * H - 3 * H


def test_boardings_per_stop_line_and_hour(api, store, line):
    t0 = line
    store([("bus-1", t0, {"lat": 0.0, "lon": 0.0, "boardings": 5}),
           ("bus-1", t0 + 60_000, {"lat": U, "lon": 0.00001, "boardings": 3}),
           ("bus-1", t0 + 120_000, {"lat": U / 2, "lon": 0.0, "boardings": 2}),  # 500 m off
           ("bus-2", t0 + H, {"lat": U, "lon": 0.0, "boardings": 4, "alightings": 1}),
           ("bus-2", t0 + H + 60_000, {"lat": U, "lon": 0.0, "boardings": 0})])
    result = api("/api/transport/demand", start=t0, end=t0 + 2 * H)
    assert result["stops"] == [{"stop_id": "S2", "name": "Stop S2", "boardings": 7},
                               {"stop_id": "S1", "name": "Stop S1", "boardings": 5}]
    assert result["lines"] == [{"line": "L", "boardings": 14}]
    assert result["hours"] == [{"hour": t0, "boardings": 10}, {"hour": t0 + H, "boardings": 4}]
    assert (result["total"], result["unplaced"]) == (14, 2)
    assert api("/api/transport/demand", start=t0, end=t0 + 2 * H, top=1)["stops"][0][
        "stop_id"] == "S2"


def test_unknown_line_is_404(client, viewer_headers, line):
    assert client.get("/api/transport/demand?line=nope",
                      headers=viewer_headers).status_code == 404


def test_next_day_forecast_per_line_repeats_a_regular_day(api, store, line):
    end = now_ms() // H * H
    history = [("bus-1", end - k * H + 60_000, {"boardings": 10 + (end - k * H) // H % 24})
               for k in range(5 * 24, 0, -1)]
    store(history)
    result = api("/api/transport/demand/forecast", history_days=5)
    (item,) = result["items"]
    assert item["line"] == "L" and result["issued"] == end
    # every day the same profile (10 + hour of day): the forecast is that profile
    assert [p["hour"] for p in item["points"]] == [end + i * H for i in range(24)]
    assert [p["boardings"] for p in item["points"]] == pytest.approx(
        [10 + (end + i * H) // H % 24 for i in range(24)], abs=0.5)
    assert item["total"] == pytest.approx(24 * 10 + sum(range(24)), abs=5)


def test_fuel_per_100_km_and_idle_time():
    s = 1000
    result = demand.efficiency(
        odometer=[(0, 100.0), (60 * s, 101.0), (120 * s, 102.5)],
        level=[(0, 50.0), (60 * s, 49.5), (90 * s, 80.0), (120 * s, 79.8)],  # refuelled at 90 s
        speed=[(0, 0.0), (60 * s, 30.0), (120 * s, 0.0), (180 * s, 0.0)],
        state={0: "at_stop", 60 * s: "in_service", 120 * s: "out_of_service"})
    # 0.5 + 0.2 % over 2.5 km; idle 60 s at the stop, moving 60 s, parked not counted
    assert result == {"distance_km": 2.5, "used_pct": 0.7, "pct_per_100km": 28.0,
                      "idle_s": 60.0, "moving_s": 60.0, "idle_share": 0.5}


def test_vehicle_efficiency_over_the_api(api, store, line):
    t0 = line
    store([("bus-1", t0, {"odometer": 10.0, "fuel": 60.0, "speed": 0.0, "state": "at_stop"}),
           ("bus-1", t0 + 120_000, {"odometer": 11.0, "fuel": 59.5, "speed": 20.0,
                                    "state": "in_service"}),
           ("bus-1", t0 + 240_000, {"odometer": 12.0, "fuel": 59.0, "speed": 0.0,
                                    "state": "in_service"})])
    result = api("/api/transport/vehicles/bus-1/efficiency", start=t0, end=t0 + H)
    assert (result["energy"], result["distance_km"], result["pct_per_100km"]) == ("fuel", 2.0,
                                                                                  50.0)
    assert (result["idle_s"], result["moving_s"]) == (120.0, 120.0)
