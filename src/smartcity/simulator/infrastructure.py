"""Infrastructure of the demo city: stations, grid, water network, bus lines, bin sites (pure)."""

import numpy as np

from smartcity.simulator import geo
from smartcity.simulator.model import Asset

STATIONS = [("fire_station", "Fire station", 2), ("ambulance_station", "Ambulance station", 3),
            ("police_station", "Police station", 2), ("depot", "Municipal depot", 1)]
SUBSTATIONS = 3
FEEDER_STEPS = 4  # grid blocks a feeder runs out from its substation
DMA_COLS, DMA_ROWS = 3, 2
LINES = [("1", "W", "E", 6), ("2", "S", "N", 8), ("3", "SW", "NE", 10), ("4", "NW", "SE", 10),
         ("5", "W", "E", 12)]  # ref, from side, to side, headway minutes
BIN_SITES = 80
PERSONS_PER_HOUSEHOLD = 2.3
LITRES_PER_PERSON_DAY = 160


def build(city, rng) -> None:
    _stations(city, rng)
    _grid_network(city, rng)
    _water(city, rng)
    _bus_lines(city, rng)
    _bin_sites(city, rng)


def _offset(rng, x: float, y: float, radius: float) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * np.pi)
    return round(float(x + radius * np.cos(angle)), 1), round(float(y + radius * np.sin(angle)), 1)


def _add(city, asset_id, type_, name, x, y, properties, parent=None):
    city.assets[asset_id] = Asset(asset_id, type_, name, geo.point(x, y), properties,
                                  parent or city.district_at(x, y))


def crossing_name(city, node: str) -> str:
    """"Corso Roma / Via Verdi": the streets that meet at an intersection."""
    names = sorted({city.segments[s].name for _n, s in city.adjacency[node]})
    return " / ".join(names[:2])


def _stations(city, rng) -> None:
    used_districts: set[str] = set()
    nodes = sorted(city.nodes)
    for type_, label, count in STATIONS:
        for n in range(1, count + 1):
            # Spread stations over districts; the depot goes to the industrial zone.
            candidates = [i for i in nodes if city.nodes[i].district not in used_districts
                          and len(city.adjacency[i]) >= 3] or nodes
            if type_ == "depot":
                candidates = [i for i in nodes if city.nodes[i].district == "district-3"
                              and len(city.adjacency[i]) >= 3]
            node = candidates[int(rng.integers(len(candidates)))]
            used_districts.add(city.nodes[node].district)
            if len(used_districts) >= len(city.districts):
                used_districts.clear()
            x, y = _offset(rng, *city.xy(node), 30.0)
            prefix = type_.replace("_station", "")
            _add(city, f"{prefix}-station-{n}" if type_ != "depot" else "depot-1", type_,
                 f"{label} {n}" if count > 1 else label, x, y,
                 {"node": node, "district": city.nodes[node].district})


def _walk(city, start: str, dx: int, dy: int, steps: int) -> list[str]:
    """Follow the grid from a node roughly in direction (dx, dy) for some blocks."""
    path = [start]
    for _ in range(steps):
        x, y = city.xy(path[-1])
        options = [(n, s) for n, s in city.adjacency[path[-1]] if n not in path]
        if not options:
            break
        best = max(options, key=lambda o: (city.xy(o[0])[0] - x) * dx
                   + (city.xy(o[0])[1] - y) * dy)
        nx, ny = city.xy(best[0])
        if (nx - x) * dx + (ny - y) * dy <= 0:
            break
        path.append(best[0])
    return path


def _grid_network(city, rng) -> None:
    x0, y0, x1, y1 = city.bounds
    feeders_by_district: dict[str, list[str]] = {}
    for s in range(1, SUBSTATIONS + 1):
        tx = x0 + (x1 - x0) * (s - 0.5) / SUBSTATIONS
        ty = y0 + (y1 - y0) * rng.uniform(0.35, 0.65)
        node = city.nearest_node(tx, ty)
        sx, sy = _offset(rng, *city.xy(node), 40.0)
        substation = f"substation-{s}"
        _add(city, substation, "substation", f"Substation {s}", sx, sy,
             {"node": node, "voltage_kv": 20, "transformers_mva": [25, 25]})
        for k, (dx, dy, label) in enumerate([(0, 1, "N"), (1, 0, "E"), (0, -1, "S"),
                                             (-1, 0, "W")], start=1):
            path = _walk(city, node, dx, dy, FEEDER_STEPS)
            feeder = f"feeder-{s}-{k}"
            end = city.nodes[path[-1]].district
            feeders_by_district.setdefault(end, []).append(feeder)
            points = [(sx, sy)] + [city.xy(n) for n in path]
            city.assets[feeder] = Asset(
                feeder, "feeder", f"Feeder {s}-{label}", geo.line(points),
                {"substation": substation, "district": end, "nodes": path,
                 "voltage_kv": 20}, substation)
    for district, feeders in feeders_by_district.items():
        population = city.assets[district].properties["population"]
        for feeder in feeders:
            customers = int(population / PERSONS_PER_HOUSEHOLD / len(feeders))
            peak = round(customers * 1.3)
            city.assets[feeder].properties.update(
                customers=customers, peak_kw=peak, capacity_kw=int(round(peak * 1.35, -2)))


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0) * max(h, 0)


def _water(city, rng) -> None:
    x0, y0, x1, y1 = city.bounds
    xs = np.linspace(x0, x1, DMA_COLS + 1)
    ys = [y0, y0 + (y1 - y0) * rng.uniform(0.42, 0.58), y1]
    n = 0
    for r in range(DMA_ROWS):
        for c in range(DMA_COLS):
            n += 1
            rect = (round(xs[c], 1), round(ys[r], 1), round(xs[c + 1], 1), round(ys[r + 1], 1))
            population = 0
            for district, drect in city.districts.items():
                share = _overlap(rect, drect) / ((drect[2] - drect[0]) * (drect[3] - drect[1]))
                population += share * city.assets[district].properties["population"]
            population = int(round(population, -1))
            mains = sum(s.length_m for s in city.segments.values()
                        if rect[0] <= (city.xy(s.a)[0] + city.xy(s.b)[0]) / 2 <= rect[2]
                        and rect[1] <= (city.xy(s.a)[1] + city.xy(s.b)[1]) / 2 <= rect[3])
            city.assets[f"dma-{n}"] = Asset(
                f"dma-{n}", "dma", f"DMA {n}", geo.rectangle(*rect),
                {"population": population, "rect_m": list(rect),
                 "mains_km": round(mains * 1.25 / 1000, 1),
                 "connections": int(population / PERSONS_PER_HOUSEHOLD / 3),
                 "mean_demand_m3h": round(population * LITRES_PER_PERSON_DAY / 1000 / 24, 1),
                 "pressure_target_bar": round(float(rng.uniform(3.0, 3.6)), 2)})


def _side_nodes(city, side: str) -> list[str]:
    x0, y0, x1, y1 = city.bounds
    cx, cy = {"W": (x0, 0), "E": (x1, 0), "S": (0, y0), "N": (0, y1), "SW": (x0, y0),
              "NE": (x1, y1), "NW": (x0, y1), "SE": (x1, y0)}[side]
    return sorted(city.nodes, key=lambda n: geo.distance(city.xy(n), (cx, cy)))[:12]


def _bus_lines(city, rng) -> None:
    stops: dict[str, str] = {}  # node -> stop id
    for ref, start_side, end_side, headway in LINES:
        a_nodes, b_nodes = _side_nodes(city, start_side), _side_nodes(city, end_side)
        start = a_nodes[int(rng.integers(len(a_nodes)))]
        end = b_nodes[int(rng.integers(len(b_nodes)))]
        path = city.shortest_path(start, end)
        segments = [city.segment_between(a, b) for a, b in zip(path, path[1:], strict=False)]
        line_id = f"line-{ref}"
        line_stops = []
        for i, node in enumerate(path):
            if i % 2 and i != len(path) - 1:
                continue
            if node not in stops:
                stops[node] = f"stop-{len(stops) + 1}"
                x, y = _offset(rng, *city.xy(node), 12.0)
                _add(city, stops[node], "bus_stop", crossing_name(city, node), x, y,
                     {"node": node, "lines": []}, parent=line_id)
            city.assets[stops[node]].properties["lines"].append(line_id)
            line_stops.append(stops[node])
        first, last = city.assets[line_stops[0]], city.assets[line_stops[-1]]
        length = round(sum(city.segments[s].length_m for s in segments))
        city.assets[line_id] = Asset(
            line_id, "bus_line", f"Line {ref} {first.name} – {last.name}",
            geo.line([city.xy(n) for n in path]),
            {"ref": ref, "nodes": path, "segments": segments, "stops": line_stops,
             "headway_min": headway, "length_m": length})


def _bin_sites(city, rng) -> None:
    nodes = sorted(city.nodes)
    picks = rng.choice(len(nodes), size=BIN_SITES, replace=False)
    for n, index in enumerate(sorted(int(i) for i in picks), start=1):
        node = nodes[index]
        x, y = _offset(rng, *city.xy(node), float(rng.uniform(15, 35)))
        _add(city, f"bin-site-{n}", "bin_site", f"Bins {n}, {crossing_name(city, node)}", x, y,
             {"node": node, "containers": 1})
