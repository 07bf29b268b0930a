"""The app's road network over the stored demo city: live times from the counters' readings,
rebuilt when another process stores more road assets."""

import pytest

from smartcity.assets.models import Asset
from smartcity.extensions import db
from smartcity.roads.store import RoadNetwork, network
from smartcity.simulator.city import generate_city
from smartcity.simulator.seed import seed_city
from smartcity.telemetry import ingest
from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms


@pytest.fixture
def city(app, tmp_path):
    with app.app_context():
        seed_city(tmp_path / "demo-keys.json")
        db.session.remove()
    return generate_city(42)


def store_points(points):
    ingest.store(ingest.Outcome(accepted=len(points), points=points))


def test_the_demo_city_graph_matches_its_assets(app, city):
    with app.app_context():
        roads = network().roads()
        assert set(roads.junctions) == set(city.nodes)
        assert set(roads.segments) == set(city.segments) and not roads.skipped
        live = network().live()
        # with no readings every segment takes its free-flow time
        assert all(live.times[s] == pytest.approx(seg.free_flow_s)
                   for s, seg in roads.segments.items())
        # and the fastest route equals the simulator's own free-flow Dijkstra
        route = live.route("junction-1", "junction-288")
        expected = city.shortest_path("junction-1", "junction-288")
        assert route.time_s == pytest.approx(sum(
            city.travel_s(city.segment_between(a, b)) for a, b in zip(expected, expected[1:],
                                                                    strict=False)))
        node, distance = roads.snap(*reversed(roads.xy("junction-140")))
        assert node == "junction-140" and distance < 0.01


def test_counter_readings_set_live_times_and_incidents_close_segments(app, city):
    counters = [d for d in city.devices if d.type == "traffic_counter"]
    slow, busy = counters[0], counters[1]
    now = now_ms()
    with app.app_context():
        store_points([Point(slow.id, "speed", now, 12.0, None),
                      Point(busy.id, "intensity", now, 3000.0, None),
                      Point(busy.id, "speed", now, 0.0, None)])
        live = network().live()
        seg = city.segments[slow.asset_id]
        assert live.times[seg.id] == pytest.approx(seg.length_m / (12 / 3.6))
        other = city.segments[busy.asset_id]
        t0 = other.length_m / (other.speed_kmh / 3.6)
        assert live.times[other.id] == pytest.approx(
            t0 * (1 + 0.15 * (3000 / other.capacity_vph) ** 4))
        closed = network().live({seg.id: 0.0})
        assert closed.times[seg.id] is None
        route = closed.route(seg.a, seg.b)
        assert route is not None and seg.id not in route.segments
        assert network().live({seg.id: 0.0}) is closed  # cached per incident set
        assert network().live() is live


def test_another_process_adding_roads_is_seen_at_the_next_check(make_app, city):
    reader, writer = make_app(), make_app()
    with reader.app_context():
        reader.extensions["smartcity.roads"] = RoadNetwork(check_s=0.0)
        before = network().roads()
        assert "junction-new" not in before.junctions
        state = network().live()
        assert network().roads() is before and network().live() is state  # checked, unchanged
    with writer.app_context():
        lon, lat = before.xy("junction-1")
        db.session.add_all([
            Asset(id="junction-new", type="junction", name="New",
                  geometry={"type": "Point", "coordinates": [lon - 0.01, lat]}, properties={}),
            Asset(id="seg-new", type="road_segment", name="New road",
                  geometry={"type": "LineString", "coordinates": [[lon - 0.01, lat], [lon, lat]]},
                  properties={"from": "junction-new", "to": "junction-1", "length_m": 790.0,
                              "speed_limit_kmh": 30.0})])
        db.session.commit()
    with reader.app_context():
        after = network().roads()
        assert after is not before and "seg-new" in after.segments
        route = network().live().route("junction-new", "junction-2")
        assert route.segments[0] == "seg-new"
        assert network().roads() is after  # nothing changed: the same graph
