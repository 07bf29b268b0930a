"""Who can be reached in time, and where an idle unit covers most (pure).

Coverage: the share of the population living at junctions that some unit of a type reaches
within the limit (8 minutes by default), from road travel times (roads isochrones).

Repositioning is a maximal covering location problem (Church, R. & ReVelle, C. (1974). The
maximal covering location problem. *Papers of the Regional Science Association* 32, 101-118):
choose p sites among candidates to maximise the demand within the limit of at least one chosen
site. Demand already covered by units that stay put counts as covered whatever is chosen.
The integer programme is solved exactly with OR-Tools CP-SAT:
    maximise   sum_i w_i y_i
    subject to y_i <= sum_{j covers i} x_j   for every demand node i not yet covered
               sum_j x_j = p,   x_j, y_i in {0, 1}
CP-SAT needs integer weights: populations are whole people; other weights are scaled by
WEIGHT_SCALE and rounded.
"""

from collections.abc import Iterable, Mapping

COVER_LIMIT_S = 8 * 60
WEIGHT_SCALE = 1000
SOLVER_TIME_LIMIT_S = 10.0


def population_by_node(populations: Mapping[str, float],
                       node_district: Mapping[str, str]) -> dict[str, float]:
    """Each district's residents spread evenly over its junctions."""
    members: dict[str, list[str]] = {}
    for node, district in node_district.items():
        members.setdefault(district, []).append(node)
    return {node: populations[district] / len(nodes)
            for district, nodes in members.items() if district in populations
            for node in nodes}


def covered_nodes(reach: Iterable[Mapping[str, float]], limit_s: float = COVER_LIMIT_S) -> set:
    """Junctions within limit_s of at least one source ({junction: seconds} per source)."""
    return {node for times in reach for node, t in times.items() if t <= limit_s}


def coverage(demand: Mapping[str, float], covered: set) -> dict:
    total = sum(demand.values())
    reached = sum(w for node, w in demand.items() if node in covered)
    return {"covered": reached, "total": total, "share": reached / total if total else None}


def coverage_by_type(demand: Mapping[str, float],
                     reach_by_type: Mapping[str, Iterable[Mapping[str, float]]],
                     limit_s: float = COVER_LIMIT_S) -> dict[str, dict]:
    """coverage() per unit type, from the travel times of that type's units."""
    return {unit_type: coverage(demand, covered_nodes(reach, limit_s))
            for unit_type, reach in reach_by_type.items()}


def max_covering(demand: Mapping[str, float], site_cover: Mapping[str, set], p: int,
                 already_covered: set = frozenset()) -> dict:
    """The p sites that cover the most demand not already covered (exact, CP-SAT).

    Returns {sites (sorted), covered (demand covered by them and before), gain (by them
    alone), optimal}. Ties go to whichever optimum the solver meets first (one worker,
    fixed seed: the same answer for the same input).
    """
    from ortools.sat.python import cp_model  # heavy import, only where it is needed

    sites = sorted(site_cover)
    p = max(0, min(p, len(sites)))
    open_nodes = [n for n in sorted(demand) if n not in already_covered and demand[n] > 0]
    integral = all(float(demand[n]).is_integer() for n in open_nodes)
    weight = {n: int(demand[n]) if integral else round(demand[n] * WEIGHT_SCALE)
              for n in open_nodes}
    model = cp_model.CpModel()
    x = {s: model.new_bool_var(f"x_{i}") for i, s in enumerate(sites)}
    y = {}
    for i, node in enumerate(open_nodes):
        covering = [x[s] for s in sites if node in site_cover[s]]
        if covering:
            y[node] = model.new_bool_var(f"y_{i}")
            model.add(y[node] <= sum(covering))
    model.add(sum(x.values()) == p)
    model.maximize(sum(weight[n] * var for n, var in y.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = SOLVER_TIME_LIMIT_S
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"covering model not solved: {solver.status_name(status)}")
    chosen = [s for s in sites if solver.value(x[s])]
    gain_nodes = set().union(*(site_cover[s] for s in chosen)) - set(already_covered) \
        if chosen else set()
    gain = sum(demand[n] for n in gain_nodes if n in demand)
    before = sum(w for n, w in demand.items() if n in already_covered)
    return {"sites": chosen, "covered": before + gain, "gain": gain,
            "optimal": status == cp_model.OPTIMAL}


def best_station(demand: Mapping[str, float], station_cover: Mapping[str, set],
                 staying_cover: set = frozenset()) -> dict:
    """Where one idle unit covers most, given what the units staying put already cover."""
    result = max_covering(demand, station_cover, 1, staying_cover)
    return {"station": result["sites"][0] if result["sites"] else None, **result}
