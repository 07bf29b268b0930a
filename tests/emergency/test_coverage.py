"""Coverage and the maximal covering location problem against brute force on small graphs."""

import itertools
import random

import pytest

from smartcity.emergency.coverage import (
    best_station,
    coverage,
    coverage_by_type,
    covered_nodes,
    max_covering,
    population_by_node,
)
from smartcity.roads.graph import Junction, RoadGraph, Segment
from smartcity.roads.paths import LiveNetwork


def small_city(rng: random.Random, n: int = 9) -> LiveNetwork:
    junctions = [Junction(f"j{i}", 7 + (i % 3) * 0.01, 45 + (i // 3) * 0.01) for i in range(n)]
    segments = [Segment(f"s{k}", f"j{a}", f"j{b}", rng.uniform(300, 1500), 36.0, 900.0)
                for k, (a, b) in enumerate((a, b) for a in range(n) for b in range(a + 1, n)
                                           if rng.random() < 0.35)]
    return LiveNetwork(RoadGraph(junctions, segments), {})


def floyd_warshall(live: LiveNetwork) -> dict:
    """All-pairs shortest times, an independent method for the brute-force count."""
    nodes = list(live.roads.junctions)
    d = {(a, b): 0.0 if a == b else float("inf") for a in nodes for b in nodes}
    for seg in live.roads.segments.values():
        for u, v in live.roads.directions(seg):
            d[u, v] = min(d[u, v], seg.free_flow_s)
    for k, i, j in itertools.product(nodes, nodes, nodes):
        d[i, j] = min(d[i, j], d[i, k] + d[k, j])
    return d


@pytest.mark.parametrize("seed", range(10))
def test_population_coverage_equals_a_brute_force_count(seed):
    rng = random.Random(seed)
    live = small_city(rng)
    demand = {n: rng.randint(0, 500) for n in live.roads.junctions}
    units = {"ambulance": rng.sample(sorted(demand), 2), "fire_engine": rng.sample(sorted(demand),
                                                                                     1)}
    limit = 100.0  # 1,000 m at 36 km/h
    result = coverage_by_type(demand, {t: [live.travel_times(s, limit) for s in sources]
                                       for t, sources in units.items()}, limit)
    d = floyd_warshall(live)
    for unit_type, sources in units.items():
        count = sum(w for n, w in demand.items() if any(d[s, n] <= limit for s in sources))
        assert result[unit_type]["covered"] == pytest.approx(count)
        assert result[unit_type]["share"] == pytest.approx(count / sum(demand.values()))


@pytest.mark.parametrize("seed", range(12))
def test_max_covering_is_optimal_as_brute_force_finds(seed):
    rng = random.Random(50 + seed)
    nodes = [f"n{i}" for i in range(12)]
    demand = {n: rng.choice([0, 10, 25, 40, 100, 7.5]) for n in nodes}
    site_cover = {f"site{j}": set(rng.sample(nodes, rng.randint(1, 5))) for j in range(7)}
    already = set(rng.sample(nodes, 2)) if seed % 2 else set()
    p = 1 + seed % 3

    def value(chosen):
        reached = set(already).union(*(site_cover[s] for s in chosen))
        return sum(demand[n] for n in reached)

    best = max(value(c) for c in itertools.combinations(site_cover, p))
    result = max_covering(demand, site_cover, p, already)
    assert result["optimal"] and len(result["sites"]) == p
    assert result["covered"] == pytest.approx(best)
    assert value(result["sites"]) == pytest.approx(best)


def test_an_idle_unit_goes_where_nobody_is_covered_yet():
    demand = {"a": 100, "b": 100, "c": 80, "d": 300}
    stations = {"north": {"a", "b"}, "centre": {"b", "c", "d"}, "south": {"d"}}
    # with nobody else on duty the centre covers most: b + c + d = 480
    assert best_station(demand, stations)["station"] == "centre"
    # a unit staying put already covers d: north adds a + b = 200, centre only b + c = 180
    moved = best_station(demand, stations, staying_cover={"d"})
    assert moved["station"] == "north" and moved["gain"] == 200 and moved["covered"] == 500


def test_population_is_spread_over_a_districts_junctions():
    spread = population_by_node({"d1": 900, "d2": 100},
                                {"j1": "d1", "j2": "d1", "j3": "d1", "j4": "d2", "j5": "dx"})
    assert spread == {"j1": 300, "j2": 300, "j3": 300, "j4": 100}
    assert covered_nodes([{"j1": 10, "j2": 500}, {"j3": 480}], 480) == {"j1", "j3"}
    assert coverage(spread, {"j1", "j4"}) == {"covered": 400, "total": 1000, "share": 0.4}
