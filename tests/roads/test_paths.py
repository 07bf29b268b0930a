"""Routing, isochrones, snapping and ETA ranking on small graphs, checked by brute force."""

import random

import pytest

from smartcity.roads.graph import Junction, RoadGraph, Segment, from_assets, haversine_m
from smartcity.roads.paths import LiveNetwork, hull_polygon
from smartcity.roads.travel import segment_times


def random_graph(rng: random.Random, n_nodes: int = 7, n_segments: int = 12) -> RoadGraph:
    junctions = [Junction(f"j{i}", 7 + rng.uniform(0, 0.02), 45 + rng.uniform(0, 0.02))
                 for i in range(n_nodes)]
    segments = []
    for k in range(n_segments):
        a, b = rng.sample(range(n_nodes), 2)
        if k < 3:  # a few parallel segments, which a simple graph would merge
            a, b = 0, 1 + k % 2
        segments.append(Segment(f"s{k}", f"j{a}", f"j{b}", rng.uniform(50, 900),
                                rng.choice([30.0, 50.0, 70.0]), 900.0,
                                oneway=rng.random() < 0.3))
    return RoadGraph(junctions, segments)


def simple_paths(roads: RoadGraph, times: dict, source: str, target: str):
    """Every simple path as a list of (u, v, segment id), over the open segments."""
    out: dict[str, list[tuple[str, str]]] = {n: [] for n in roads.junctions}
    for seg in roads.segments.values():
        if times[seg.id] is not None:
            for u, v in roads.directions(seg):
                out[u].append((v, seg.id))

    def walk(node, seen, path):
        if node == target:
            yield list(path)
            return
        for v, seg in out[node]:
            if v not in seen:
                yield from walk(v, seen | {v}, [*path, (node, v, seg)])

    yield from walk(source, {source}, [])


def brute_force(roads, times, source, target, weight):
    def cost(path):
        return sum(times[s] if weight == "time" else roads.segments[s].length_m
                   for _u, _v, s in path)

    costs = [cost(p) for p in simple_paths(roads, times, source, target)]
    return min(costs) if costs else None


@pytest.mark.parametrize("seed", range(40))
def test_shortest_paths_equal_brute_force_over_all_simple_paths(seed):
    rng = random.Random(seed)
    roads = random_graph(rng)
    closed = {f"s{k}": 0.0 for k in rng.sample(range(12), 2)}
    times = segment_times(roads.segments.values(), {}, closed)
    live = LiveNetwork(roads, times)
    for source, target in [rng.sample(sorted(roads.junctions), 2) for _ in range(6)]:
        for weight in ("time", "length"):
            best = brute_force(roads, times, source, target, weight)
            route = live.route(source, target, weight)
            if best is None:
                assert route is None
                continue
            assert route.nodes[0] == source and route.nodes[-1] == target
            assert not set(route.segments) & set(closed)
            total = route.time_s if weight == "time" else route.length_m
            assert total == pytest.approx(best, rel=1e-9)
            # the segments named really chain the junctions, in a direction they may be driven
            hops = zip(route.nodes, route.nodes[1:], strict=False)
            for (u, v), seg_id in zip(hops, route.segments, strict=True):
                assert (u, v) in roads.directions(roads.segments[seg_id])


def line(*points):
    """A test network along given (name, lon, lat) junctions."""
    return [Junction(name, lon, lat) for name, lon, lat in points]


def seg(sid, a, b, length, speed=50.0, **kw):
    return Segment(sid, a, b, length, speed, 1000.0, **kw)


def square() -> RoadGraph:
    """a-b-d across the top (fast), a-c-d across the bottom (slow); d-e beyond."""
    junctions = line(("a", 7.000, 45.000), ("b", 7.010, 45.005), ("c", 7.010, 44.995),
                     ("d", 7.020, 45.000), ("e", 7.030, 45.000))
    return RoadGraph(junctions, [seg("ab", "a", "b", 1000), seg("bd", "b", "d", 1000),
                                 seg("ac", "a", "c", 800, 30), seg("cd", "c", "d", 800, 30),
                                 seg("de", "d", "e", 700)])


def test_a_closed_segment_is_avoided_and_a_reduced_one_costs_more():
    roads = square()
    open_route = LiveNetwork(roads, segment_times(roads.segments.values(), {})).route("a", "e")
    assert open_route.segments == ["ab", "bd", "de"]
    assert open_route.time_s == pytest.approx(2700 / (50 / 3.6))
    closed = LiveNetwork(roads, segment_times(roads.segments.values(), {}, {"bd": 0.0}))
    detour = closed.route("a", "e")
    assert detour.segments == ["ac", "cd", "de"]
    assert detour.time_s == pytest.approx(1600 / (30 / 3.6) + 700 / (50 / 3.6))
    # half the capacity left, nothing measured: twice the free-flow time on bd
    reduced = LiveNetwork(roads, segment_times(roads.segments.values(), {}, {"bd": 0.5}))
    assert reduced.times["bd"] == pytest.approx(2 * 1000 / (50 / 3.6))
    assert closed.route("e", "a").segments == ["de", "cd", "ac"]
    cut = LiveNetwork(roads, segment_times(roads.segments.values(), {}, {"de": 0.0}))
    assert cut.route("a", "e") is None


def test_one_way_segments_are_driven_one_way_only():
    junctions = line(("a", 7.0, 45.0), ("b", 7.01, 45.0))
    roads = RoadGraph(junctions, [seg("ab", "a", "b", 500, oneway=True),
                                  seg("ba", "b", "a", 2000)])
    live = LiveNetwork(roads, segment_times(roads.segments.values(), {}))
    assert live.route("a", "b").segments == ["ab"]
    assert live.route("b", "a").segments == ["ba"]


def test_the_route_geometry_follows_the_segment_shapes_in_travel_order():
    junctions = line(("a", 7.0, 45.0), ("b", 7.01, 45.0))
    bend = ((7.01, 45.0), (7.005, 45.003), (7.0, 45.0))  # drawn from b to a
    roads = RoadGraph(junctions, [Segment("s", "b", "a", 900, 50, 1000, coords=bend)])
    route = LiveNetwork(roads, {}).route("a", "b").to_dict()
    assert route["geometry"] == {"type": "LineString",
                                 "coordinates": [[7.0, 45.0], [7.005, 45.003], [7.01, 45.0]]}
    assert route["distance_m"] == 900 and route["eta_s"] == pytest.approx(64.8)


@pytest.mark.parametrize("seed", range(15))
def test_isochrone_nodes_equal_brute_force(seed):
    rng = random.Random(100 + seed)
    roads = random_graph(rng)
    times = segment_times(roads.segments.values(), {})
    live = LiveNetwork(roads, times)
    source = rng.choice(sorted(roads.junctions))
    limit = rng.uniform(20, 120)
    expected = {n: 0.0 if n == source else brute_force(roads, times, source, n, "time")
                for n in roads.junctions}
    expected = {n: t for n, t in expected.items() if t is not None and t <= limit}
    result = live.isochrone(source, limit)
    assert set(result["nodes"]) == set(expected)
    assert result["times_s"] == pytest.approx(expected)


def test_isochrone_polygon_reaches_part_way_along_segments():
    junctions = line(("a", 7.00, 45.0), ("b", 7.01, 45.0), ("c", 7.00, 45.01))
    roads = RoadGraph(junctions, [seg("ab", "a", "b", 1000, 36), seg("ac", "a", "c", 1000, 36)])
    live = LiveNetwork(roads, {})  # 100 s per segment
    result = live.isochrone("a", 50)
    assert result["nodes"] == ["a"]
    ring = result["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 4  # a and the two half-way points
    assert sorted(map(tuple, ring[:-1])) == [(7.0, 45.0), (7.0, 45.005), (7.005, 45.0)]
    assert hull_polygon([(7.0, 45.0), (7.01, 45.0), (7.02, 45.0)]) is None  # a line has no area


def test_snapping_finds_the_nearest_junction_as_brute_force_does():
    rng = random.Random(7)
    junctions = [Junction(f"j{i}", 7 + rng.uniform(0, 0.05), 45 + rng.uniform(0, 0.05))
                 for i in range(60)]
    roads = RoadGraph(junctions, [])
    for _ in range(200):
        lat, lon = 45 + rng.uniform(-0.01, 0.06), 7 + rng.uniform(-0.01, 0.06)
        node, distance = roads.snap(lat, lon)
        best = min(junctions, key=lambda j: haversine_m(lon, lat, j.lon, j.lat))
        assert node == best.id
        assert distance == pytest.approx(haversine_m(lon, lat, best.lon, best.lat), rel=2e-3)
    points = [(45.01, 7.01), (45.04, 7.02)]
    assert roads.snap_many(points) == [roads.snap(*p) for p in points]


def river() -> RoadGraph:
    """An incident at i. Junction n is 300 m away across a river whose only crossing is a bridge
    far upstream along slow streets; f is 2 km away on an arterial straight to i; island is
    reached by no road."""
    junctions = line(("i", 7.000, 45.000), ("n", 7.000, 45.0027), ("bridge", 7.020, 45.0015),
                     ("f", 7.026, 45.000), ("island", 7.1, 45.1))
    return RoadGraph(junctions, [seg("n-bridge", "n", "bridge", 1700, 30),
                                 seg("bridge-i", "bridge", "i", 1700, 30),
                                 seg("f-i", "f", "i", 2050, 70)])


def test_eta_ranking_prefers_the_fast_road_over_the_nearest_unit():
    roads = river()
    live = LiveNetwork(roads, segment_times(roads.segments.values(), {}))
    units = {"far": "f", "near": "n", "stranded": "island"}
    crow = {u: haversine_m(*roads.xy("i"), *roads.xy(node)) for u, node in units.items()}
    assert crow["near"] < crow["far"]
    ranked = live.rank_by_eta(units, "i")
    assert [r["id"] for r in ranked] == ["far", "near", "stranded"]
    assert ranked[0]["eta_s"] == pytest.approx(2050 / (70 / 3.6))
    assert ranked[1]["eta_s"] == pytest.approx(3400 / (30 / 3.6))
    assert ranked[2]["eta_s"] is None


def test_graph_from_assets_reads_the_demo_city_properties_and_skips_broken_segments():
    assets = [
        {"id": "j1", "type": "junction", "geometry": {"type": "Point", "coordinates": [7, 45]},
         "properties": {}},
        {"id": "j2", "type": "junction",
         "geometry": {"type": "Point", "coordinates": [7.01, 45]}, "properties": {}},
        {"id": "s1", "type": "road_segment",
         "geometry": {"type": "LineString", "coordinates": [[7, 45], [7.01, 45]]},
         "properties": {"from": "j1", "to": "j2", "length_m": 800.0, "lanes": 2,
                        "speed_limit_kmh": 70.0, "capacity_vph": 3600}},
        {"id": "s2", "type": "road_segment",  # no length, speed or capacity: defaults
         "geometry": {"type": "LineString", "coordinates": [[7, 45], [7.01, 45]]},
         "properties": {"from": "j1", "to": "j2"}},
        {"id": "s3", "type": "road_segment", "geometry": None,
         "properties": {"from": "j1", "to": "j9", "length_m": 10}},
    ]
    roads = RoadGraph(*from_assets(assets))
    assert roads.segments["s1"].capacity_vph == 3600 and roads.segments["s1"].lanes == 2
    s2 = roads.segments["s2"]
    assert s2.speed_kmh == 50 and s2.capacity_vph == 900
    # 0.01 degree of longitude at 45 N: 6,371,008.8 m * 0.01 * pi/180 * cos 45 = 786.27 m
    assert s2.length_m == pytest.approx(786.27, abs=0.05)
    assert roads.skipped == ["s3"]
    assert roads.graph.number_of_edges() == 4


def test_units_at_live_positions_are_snapped_then_ranked_by_eta():
    roads = river()
    live = LiveNetwork(roads, {})
    ranked = live.rank_positions({"near": (45.0026, 7.0001), "far": (45.0, 7.0259)}, "i")
    assert [(r["id"], r["node"]) for r in ranked] == [("far", "f"), ("near", "n")]
    assert 5 < ranked[1]["snap_m"] < 20


def test_matrix_rows_equal_single_routes():
    rng = random.Random(5)
    roads = random_graph(rng)
    live = LiveNetwork(roads, segment_times(roads.segments.values(), {}))
    nodes = ["j0", "j3", "j5", "j3"]
    matrix = live.matrix(nodes)
    for i, a in enumerate(nodes):
        for j, b in enumerate(nodes):
            route = live.route(a, b, "length")
            expected = None if route is None else route.length_m
            assert matrix[i][j] == pytest.approx(expected) if expected is not None \
                else matrix[i][j] is None
