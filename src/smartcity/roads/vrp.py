"""Vehicle routing (pure): the capacitated problem (CVRP) waste collection solves, and the one
with time windows (VRPTW) transport solves.

Plain data in, plain data out: a distance matrix over node indexes (metres, asymmetric allowed:
one-way streets), a demand per node (litres; depots 0), and vehicles with a capacity and a depot
node where they start and end. Each vehicle drives one tour.

Two answers from one call: a nearest-neighbour baseline (each vehicle in turn drives to the
nearest bin that still fits until none does, then home) and OR-Tools' routing solver (the
CVRP of the OR-Tools guides: a capacity dimension, guided local search under a time limit).
The solver starts from the baseline's tours, and its search only ever keeps a cheaper solution,
so its answer is never worse than the baseline; should the solver fail, the baseline is the
answer. A bin that fits no vehicle is dropped at a penalty larger than any tour, so bins are
dropped only when capacity runs out.

The VRPTW (`solve_windows`, the OR-Tools guide's VRPTW plus its capacity dimension) serves
every stop or answers None: a time dimension over a travel-time matrix plus each stop's service
time, waiting allowed, each stop's cumulative time inside its window; arc cost the distance.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2


@dataclass(frozen=True)
class Vehicle:
    id: str
    capacity: int
    depot: int  # node index where the tour starts and ends


@dataclass
class Plan:
    method: str  # "or-tools" | "nearest-neighbour"
    tours: list[list[int]]  # per vehicle: the nodes visited, depot excluded
    distances: list[int]  # per vehicle, metres
    loads: list[int]  # per vehicle
    dropped: list[int]  # nodes no vehicle could take
    seconds: float

    @property
    def distance(self) -> int:
        return sum(self.distances)


def tour_distance(matrix: Sequence[Sequence[int]], depot: int, tour: Sequence[int]) -> int:
    stops = [depot, *tour, depot]
    return sum(matrix[a][b] for a, b in zip(stops, stops[1:], strict=False))


def _plan(method, matrix, demands, vehicles, tours, seconds) -> Plan:
    visited = {n for tour in tours for n in tour}
    depots = {v.depot for v in vehicles}
    return Plan(method, tours,
                [tour_distance(matrix, v.depot, t) for v, t in zip(vehicles, tours, strict=True)],
                [sum(demands[n] for n in t) for t in tours],
                [n for n in range(len(matrix)) if n not in visited and n not in depots
                 and demands[n] > 0],
                seconds)


def nearest_neighbour(matrix: Sequence[Sequence[int]], demands: Sequence[int],
                      vehicles: Sequence[Vehicle]) -> Plan:
    """Each vehicle in turn: the nearest unvisited stop that still fits, until none does."""
    started = time.perf_counter()
    depots = {v.depot for v in vehicles}
    left = {n for n in range(len(matrix)) if n not in depots and demands[n] > 0}
    tours = []
    for vehicle in vehicles:
        here, room, tour = vehicle.depot, vehicle.capacity, []
        while True:
            fits = [n for n in left if demands[n] <= room]
            if not fits:
                break
            here = min(fits, key=lambda n, h=here: (matrix[h][n], n))
            tour.append(here)
            left.discard(here)
            room -= demands[here]
        tours.append(tour)
    return _plan("nearest-neighbour", matrix, demands, vehicles, tours,
                 time.perf_counter() - started)


def solve(matrix: Sequence[Sequence[int]], demands: Sequence[int],
          vehicles: Sequence[Vehicle], time_limit_s: float = 5.0) -> tuple[Plan, Plan]:
    """(best plan, nearest-neighbour baseline) for one capacitated routing problem."""
    if len(demands) != len(matrix) or any(len(row) != len(matrix) for row in matrix):
        raise ValueError("matrix must be square and match demands")
    if not vehicles:
        raise ValueError("no vehicles")
    baseline = nearest_neighbour(matrix, demands, vehicles)
    started = time.perf_counter()
    depots = {v.depot for v in vehicles}
    stops = [n for n in range(len(matrix)) if n not in depots and demands[n] > 0]
    if not stops:
        return baseline, baseline
    # Nodes that are neither depots nor stops are left out of the model.
    nodes = sorted(depots) + stops
    local = {n: i for i, n in enumerate(nodes)}
    manager = pywrapcp.RoutingIndexManager(
        len(nodes), len(vehicles), [local[v.depot] for v in vehicles],
        [local[v.depot] for v in vehicles])
    routing = pywrapcp.RoutingModel(manager)

    def distance(i, j):
        return int(matrix[nodes[manager.IndexToNode(i)]][nodes[manager.IndexToNode(j)]])

    transit = routing.RegisterTransitCallback(distance)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    demand = routing.RegisterUnaryTransitCallback(
        lambda i: int(demands[nodes[manager.IndexToNode(i)]]))
    routing.AddDimensionWithVehicleCapacity(demand, 0, [int(v.capacity) for v in vehicles],
                                            True, "load")
    penalty = 1 + sum(max(row) for row in matrix) * 2  # dropping costs more than any detour
    for n in stops:
        routing.AddDisjunction([manager.NodeToIndex(local[n])], penalty)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = \
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    routing.CloseModelWithParameters(params)
    initial = routing.ReadAssignmentFromRoutes(
        [[local[n] for n in tour] for tour in baseline.tours], True)
    solution = routing.SolveFromAssignmentWithParameters(initial, params) if initial \
        else routing.SolveWithParameters(params)
    if solution is None:
        return baseline, baseline
    tours = [[nodes[manager.IndexToNode(i)] for i in visits]
             for visits in _visits(routing, solution, len(vehicles))]
    best = _plan("or-tools", matrix, demands, vehicles, tours, time.perf_counter() - started)
    if (len(best.dropped), best.distance) > (len(baseline.dropped), baseline.distance):
        return baseline, baseline  # cannot happen from the baseline's start; kept as a guard
    return best, baseline


def _visits(routing, solution, n_vehicles: int) -> list[list[int]]:
    """Per vehicle, the routing indexes its tour visits (start and end depots excluded)."""
    out = []
    for v in range(n_vehicles):
        index, visits = solution.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            visits.append(index)
            index = solution.Value(routing.NextVar(index))
        out.append(visits)
    return out


@dataclass
class TimedPlan:
    tours: list[list[int]]  # per vehicle: stop nodes in order, depot excluded
    arrivals: list[list[int]]  # per vehicle: seconds from the start at each stop (service begins)
    ends: list[int]  # per vehicle: seconds from the start back at the depot
    distances: list[int]  # per vehicle, metres
    loads: list[int]


def solve_windows(distance: Sequence[Sequence[int]], travel: Sequence[Sequence[int]],
                  demands: Sequence[int], windows: Sequence[tuple[int, int]],
                  service: Sequence[int], vehicles: Sequence[Vehicle],
                  time_limit_s: float = 2.0) -> TimedPlan | None:
    """Routes serving every node that is not a depot within its window [earliest, latest]
    (seconds from the start, when the vehicles leave their depots) and every vehicle within
    its capacity and back by its depot's latest; least total distance found in the time
    limit; None when no such routes were found."""
    n = len(distance)
    if not (len(travel) == len(demands) == len(windows) == len(service) == n):
        raise ValueError("matrices, demands, windows and service times must match")
    manager = pywrapcp.RoutingIndexManager(n, len(vehicles), [v.depot for v in vehicles],
                                           [v.depot for v in vehicles])
    routing = pywrapcp.RoutingModel(manager)
    cost = routing.RegisterTransitCallback(
        lambda i, j: int(distance[manager.IndexToNode(i)][manager.IndexToNode(j)]))
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    load = routing.RegisterUnaryTransitCallback(lambda i: int(demands[manager.IndexToNode(i)]))
    routing.AddDimensionWithVehicleCapacity(load, 0, [int(v.capacity) for v in vehicles], True,
                                            "load")
    horizon = max(w[1] for w in windows)
    time_cb = routing.RegisterTransitCallback(
        lambda i, j: int(service[manager.IndexToNode(i)]
                         + travel[manager.IndexToNode(i)][manager.IndexToNode(j)]))
    routing.AddDimension(time_cb, horizon, horizon, False, "time")  # waiting allowed
    clock = routing.GetDimensionOrDie("time")
    depots = {v.depot for v in vehicles}
    for node in range(n):
        if node not in depots:
            clock.CumulVar(manager.NodeToIndex(node)).SetRange(*map(int, windows[node]))
    for k, v in enumerate(vehicles):
        clock.CumulVar(routing.Start(k)).SetRange(0, 0)
        clock.CumulVar(routing.End(k)).SetRange(0, int(windows[v.depot][1]))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = \
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    visits = _visits(routing, solution, len(vehicles))
    tours = [[manager.IndexToNode(i) for i in vs] for vs in visits]
    return TimedPlan(
        tours, [[solution.Min(clock.CumulVar(i)) for i in vs] for vs in visits],
        [solution.Min(clock.CumulVar(routing.End(k))) for k in range(len(vehicles))],
        [tour_distance(distance, v.depot, t) for v, t in zip(vehicles, tours, strict=True)],
        [sum(demands[x] for x in t) for t in tours])


def in_order(distance: Sequence[Sequence[int]], travel: Sequence[Sequence[int]],
             demands: Sequence[int], windows: Sequence[tuple[int, int]],
             service: Sequence[int], vehicles: Sequence[Vehicle],
             order: Sequence[int]) -> tuple[TimedPlan, int]:
    """The plan of taking the stops in the given order, each vehicle in turn until the next
    stop no longer fits, waiting for a window to open; and how many windows it misses."""
    tours, arrivals, ends, late = [[] for _ in vehicles], [[] for _ in vehicles], [], 0
    queue = list(order)
    for k, v in enumerate(vehicles):
        here, room, clock = v.depot, v.capacity, 0
        while queue and (demands[queue[0]] <= room or k == len(vehicles) - 1):
            stop = queue.pop(0)
            clock = max(clock + travel[here][stop], windows[stop][0])
            late += clock > windows[stop][1]
            tours[k].append(stop)
            arrivals[k].append(clock)
            clock += service[stop]
            room -= demands[stop]
            here = stop
        ends.append(clock + travel[here][v.depot])
    plan = TimedPlan(tours, arrivals, ends,
                     [tour_distance(distance, v.depot, t) for v, t in zip(vehicles, tours,
                                                                          strict=True)],
                     [sum(demands[x] for x in t) for t in tours])
    return plan, late
