"""Collection routes: feasible, never longer than nearest neighbour, optimal on small instances
(checked by enumerating every assignment and order)."""

import itertools
import math
import random

import pytest

from smartcity.waste.vrp import Vehicle, nearest_neighbour, solve, tour_distance


def instance(seed: int, n_stops: int, n_depots: int = 1, asymmetric: bool = True):
    """Random points in a 5 km square; distances are rounded Euclidean metres, stretched on
    some arcs so that the matrix is asymmetric like a street network with one-way streets."""
    rng = random.Random(seed)
    points = [(rng.uniform(0, 5000), rng.uniform(0, 5000)) for _ in range(n_depots + n_stops)]
    matrix = [[0 if i == j else int(math.dist(p, q) * (rng.uniform(1.0, 1.4) if asymmetric
                                                        else 1.0))
               for j, q in enumerate(points)] for i, p in enumerate(points)]
    demands = [0] * n_depots + [rng.choice([300, 600, 900, 1100]) for _ in range(n_stops)]
    return matrix, demands


def brute_force(matrix, demands, vehicles) -> int:
    """The shortest total distance serving every stop (each stop to one vehicle, best order)."""
    depots = {v.depot for v in vehicles}
    stops = [n for n in range(len(matrix)) if n not in depots]
    best = math.inf
    for owner in itertools.product(range(len(vehicles)), repeat=len(stops)):
        total = 0
        for k, v in enumerate(vehicles):
            mine = [s for s, o in zip(stops, owner, strict=True) if o == k]
            if sum(demands[s] for s in mine) > v.capacity:
                break
            total += min(tour_distance(matrix, v.depot, p) for p in itertools.permutations(mine))
        else:
            best = min(best, total)
    return best


def assert_feasible(plan, demands, vehicles, n_nodes):
    depots = {v.depot for v in vehicles}
    visited = [n for tour in plan.tours for n in tour]
    assert len(visited) == len(set(visited))  # nobody visits a bin twice
    assert set(visited) | set(plan.dropped) == {n for n in range(n_nodes) if n not in depots}
    for v, tour, load in zip(vehicles, plan.tours, plan.loads, strict=True):
        assert load == sum(demands[n] for n in tour) <= v.capacity


@pytest.mark.parametrize("seed", range(6))
def test_small_instances_are_solved_to_optimality(seed):
    matrix, demands = instance(seed, n_stops=6)
    vehicles = [Vehicle("a", 3300, 0), Vehicle("b", 3300, 0)]
    best, baseline = solve(matrix, demands, vehicles, time_limit_s=0.5)
    assert_feasible(best, demands, vehicles, len(matrix))
    assert not best.dropped
    assert best.distance == brute_force(matrix, demands, vehicles)
    assert best.distance <= baseline.distance


def test_vehicles_start_and_end_at_their_own_depots():
    matrix, demands = instance(11, n_stops=5, n_depots=2)
    vehicles = [Vehicle("a", 3000, 0), Vehicle("b", 3000, 1)]
    best, _ = solve(matrix, demands, vehicles, time_limit_s=0.5)
    assert best.distance == brute_force(matrix, demands, vehicles)
    assert best.distances == [tour_distance(matrix, v.depot, t)
                              for v, t in zip(vehicles, best.tours, strict=True)]


@pytest.mark.parametrize("seed", range(4))
def test_larger_instances_are_feasible_and_never_longer_than_the_baseline(seed):
    matrix, demands = instance(100 + seed, n_stops=40)
    vehicles = [Vehicle(f"t{k}", 8000, 0) for k in range(4)]
    best, baseline = solve(matrix, demands, vehicles, time_limit_s=0.5)
    assert_feasible(best, demands, vehicles, len(matrix))
    assert_feasible(baseline, demands, vehicles, len(matrix))
    assert len(best.dropped) <= len(baseline.dropped)
    assert best.distance <= baseline.distance
    assert best.method == "or-tools"


def test_bins_beyond_the_fleet_capacity_are_dropped_not_overloaded():
    matrix, demands = instance(7, n_stops=8)
    vehicles = [Vehicle("a", 2000, 0)]
    best, baseline = solve(matrix, demands, vehicles, time_limit_s=0.3)
    assert_feasible(best, demands, vehicles, len(matrix))
    assert best.dropped and best.loads[0] <= 2000
    assert len(best.dropped) <= len(baseline.dropped)


def test_nearest_neighbour_drives_to_the_nearest_stop_that_fits():
    matrix = [[0, 1, 2, 3], [1, 0, 1, 2], [2, 1, 0, 1], [3, 2, 1, 0]]  # a line 0-1-2-3
    plan = nearest_neighbour(matrix, [0, 5, 20, 5], [Vehicle("a", 10, 0), Vehicle("b", 20, 0)])
    assert plan.tours == [[1, 3], [2]]
    assert plan.distances == [6, 4] and plan.loads == [10, 20] and not plan.dropped


def test_nothing_to_collect_is_an_empty_plan():
    best, baseline = solve([[0, 5], [5, 0]], [0, 0], [Vehicle("a", 10, 0)])
    assert best.tours == [[]] and best.distance == 0


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError):
        solve([[0, 1]], [0], [Vehicle("a", 1, 0)])
    with pytest.raises(ValueError):
        solve([[0]], [0], [])
