"""A small road city for the traffic and emergency tests (import its fixtures in a conftest).

    D(7.00,45.01) ---- E(7.01,45.01) ---- F(7.02,45.01)
     |                  |slow (10 km/h)    |
    A(7.00,45.00) ---- B(7.01,45.00) ---- C(7.02,45.00)

0.01° of longitude is ~786 m here, 0.01° of latitude ~1,112 m; every street runs at 50 km/h
but B-E, a pedestrian street at 10 km/h: from B to E the fastest way is round by A and D.
B is a signalised junction with signal `sig-b` and counters on its three approaches; a fire
station stands at A, ambulance stations at C and E; one district of 10,000 residents.
"""

import pytest

from smartcity.assets.models import Asset
from smartcity.extensions import db
from smartcity.roads.store import network
from smartcity.telemetry import ingest
from smartcity.telemetry.points import Point

JUNCTIONS = {"jn-a": (7.00, 45.00), "jn-b": (7.01, 45.00), "jn-c": (7.02, 45.00),
             "jn-d": (7.00, 45.01), "jn-e": (7.01, 45.01), "jn-f": (7.02, 45.01)}
SEGMENTS = {"seg-ab": ("jn-a", "jn-b", 50), "seg-bc": ("jn-b", "jn-c", 50),
            "seg-de": ("jn-d", "jn-e", 50), "seg-ef": ("jn-e", "jn-f", 50),
            "seg-ad": ("jn-a", "jn-d", 50), "seg-be": ("jn-b", "jn-e", 10),
            "seg-cf": ("jn-c", "jn-f", 50)}
STATIONS = {"st-fire": ("fire_station", "jn-a"), "st-amb": ("ambulance_station", "jn-c"),
            "st-amb-e": ("ambulance_station", "jn-e")}


def point(node: str) -> dict:
    return {"type": "Point", "coordinates": list(JUNCTIONS[node])}


def latlon(node: str) -> dict:
    lon, lat = JUNCTIONS[node]
    return {"lat": lat, "lon": lon}


@pytest.fixture
def road_city(app):
    """Store the small city's assets; returns the network's static graph."""
    with app.app_context():
        db.session.add(Asset(id="city", type="city", name="Roadville", geometry=None,
                             properties={"population": 10_000}))
        db.session.flush()
        db.session.add(Asset(id="district-1", type="district", name="Centre", parent_id="city",
                             geometry={"type": "Polygon", "coordinates": [[
                                 [6.99, 44.99], [7.03, 44.99], [7.03, 45.02], [6.99, 45.02],
                                 [6.99, 44.99]]]},
                             properties={"kind": "mixed", "population": 10_000}))
        db.session.flush()
        for jid in JUNCTIONS:
            db.session.add(Asset(id=jid, type="junction", name=jid, geometry=point(jid),
                                 parent_id="district-1",
                                 properties={"signalised": jid == "jn-b"}))
        for sid, (a, b, speed) in SEGMENTS.items():
            db.session.add(Asset(id=sid, type="road_segment", name=sid, parent_id="district-1",
                                 geometry={"type": "LineString", "coordinates": [
                                     list(JUNCTIONS[a]), list(JUNCTIONS[b])]},
                                 properties={"from": a, "to": b, "speed_limit_kmh": speed,
                                             "lanes": 1, "capacity_vph": 900}))
        for aid, (kind, node) in STATIONS.items():
            db.session.add(Asset(id=aid, type=kind, name=aid, geometry=point(node),
                                 parent_id="district-1",
                                 properties={"node": node, "district": "district-1"}))
        db.session.commit()
        db.session.remove()
        network(app).invalidate()
        return network(app).roads()


@pytest.fixture
def road_devices(road_city, make_device):
    """The signal at B and a counter on each of its approaches."""
    make_device("sig-b", type="traffic_signal", asset_id="jn-b", location=latlon("jn-b"),
                metadata={"phases": 2, "approaches": ["seg-ab", "seg-bc", "seg-be"]})
    for sid in ("seg-ab", "seg-bc", "seg-be"):
        make_device(f"cnt-{sid[4:]}", type="traffic_counter", asset_id=sid,
                    location=latlon(SEGMENTS[sid][0]), metadata={"lanes": 1})
    return road_city


def store_points(app, points: list[Point]) -> None:
    """Write readings through the ingest path and let the road network read them now."""
    with app.app_context():
        ingest.store(ingest.Outcome(accepted=len(points), points=points))
        db.session.remove()
    network(app).invalidate()
