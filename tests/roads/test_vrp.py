"""Collection routes: feasible, never longer than nearest neighbour, optimal on small instances
(checked by enumerating every assignment and order)."""

import itertools
import math
import random

import pytest

from smartcity.roads.vrp import (
    Vehicle,
    in_order,
    nearest_neighbour,
    solve,
    solve_windows,
    tour_distance,
)


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


# VRPTW: depot 0 and stops 1-3 on a line 1 km apart, 100 s a km, no service time.
LINE = [[1000 * abs(a - b) for b in range(4)] for a in range(4)]
LINE_S = [[100 * abs(a - b) for b in range(4)] for a in range(4)]
OPEN = (0, 10_000)


def test_time_windows_are_kept_even_when_they_reorder_the_tour():
    windows = [OPEN, (600, 900), OPEN, (0, 350)]  # 3 early, 1 late
    plan = solve_windows(LINE, LINE_S, [0, 1, 1, 1], windows, [0] * 4, [Vehicle("v", 10, 0)],
                         time_limit_s=0.5)
    tour, arrivals = plan.tours[0], plan.arrivals[0]
    assert sorted(tour) == [1, 2, 3] and tour.index(3) < tour.index(1)
    assert all(windows[n][0] <= t <= windows[n][1] for n, t in zip(tour, arrivals, strict=True))
    assert plan.distances == [6000]  # out to 3 km and back: the least any tour drives
    assert plan.ends[0] == 700  # at 1 at 500, waits for 600, home 100 s later


def test_capacities_split_the_stops_between_vehicles():
    plan = solve_windows(LINE, LINE_S, [0, 2, 1, 2], [OPEN] * 4, [0] * 4,
                         [Vehicle("a", 3, 0), Vehicle("b", 3, 0)], time_limit_s=0.5)
    assert sorted(n for t in plan.tours for n in t) == [1, 2, 3]
    assert all(load <= 3 for load in plan.loads) and sum(plan.loads) == 5
    assert sum(plan.distances) == 8000  # 1 alone (2 km), 2 and 3 together (6 km)


def test_a_window_no_vehicle_can_reach_is_no_plan():
    windows = [OPEN, OPEN, OPEN, (0, 200)]  # 3 km away is 300 s away
    assert solve_windows(LINE, LINE_S, [0, 1, 1, 1], windows, [0] * 4, [Vehicle("v", 10, 0)],
                         time_limit_s=0.5) is None
    assert solve_windows(LINE, LINE_S, [0, 2, 2, 2], [OPEN] * 4, [0] * 4,
                         [Vehicle("v", 5, 0)], time_limit_s=0.5) is None  # 6 > 5


def test_the_input_order_waits_for_windows_and_counts_the_missed():
    windows = [OPEN, (600, 900), OPEN, (0, 350)]
    plan, late = in_order(LINE, LINE_S, [0, 1, 1, 1], windows, [0, 30, 30, 30],
                          [Vehicle("v", 10, 0)], [1, 2, 3])
    # 1 at 100 waits for 600, leaves 630; 2 at 730, leaves 760; 3 at 860 (window closed at 350)
    assert plan.arrivals == [[600, 730, 860]] and late == 1
    assert plan.distances == [6000] and plan.ends == [890 + 300]
