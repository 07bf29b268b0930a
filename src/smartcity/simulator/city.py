"""The demo city, generated from a seed: roads, districts and infrastructure (pure, no I/O).

Everything is laid out in metres around geo.CENTER and exported as GeoJSON. The same seed always
gives the same city, so the simulator regenerates it rather than reading it back from the app.
"""

import numpy as np

from smartcity.simulator import geo, infrastructure, placement
from smartcity.simulator.model import Asset, City, Node, Segment, connected

CITY_NAME = "Novaterra"
CITY_ID = "city"
COLS, ROWS = 18, 16  # intersections west-east, south-north
SPACING = 260.0  # metres between grid lines
JITTER = 45.0  # metres an intersection moves off the grid
MARGIN = 180.0  # metres between the outer ring road and the city boundary
RING_ROWS, RING_COLS = (0, ROWS - 1), (0, COLS - 1)
ARTERIAL_ROWS, ARTERIAL_COLS = (4, 8, 12), (4, 9, 13)
REMOVED_SHARE = 0.08  # local streets dropped (dead ends, big blocks), never disconnecting
SIGNALISED = 24

STREETS = ["Roma", "Garibaldi", "Mazzini", "Cavour", "Verdi", "Dante", "Manzoni", "Volta",
           "Galilei", "Marconi", "Colombo", "Leopardi", "Petrarca", "Foscolo", "Carducci",
           "Pascoli", "Puccini", "Rossini", "Vivaldi", "Bellini", "Tasso", "Ariosto", "Giotto",
           "Fermi", "Avogadro", "Lagrange", "Meucci", "Fibonacci", "Boccaccio", "Alfieri",
           "Parini", "Monti", "Goldoni", "Respighi"]
DISTRICTS = [  # (name, kind, residents per km²), south-west to north-east, row by row
    ("Borgo Sud", "residential", 7000), ("Porta Fiume", "mixed", 6500),
    ("Zona Industriale", "industrial", 1500), ("Valletta", "residential", 7500),
    ("Centro Storico", "commercial", 9500), ("San Marco", "mixed", 8000),
    ("Colle Nord", "residential", 5500), ("Università", "mixed", 8500),
    ("Parco Est", "residential", 6000)]


def _splits(rng, start: float, end: float) -> list[float]:
    width = end - start
    return [start, start + width * (1 / 3 + rng.uniform(-0.06, 0.06)),
            start + width * (2 / 3 + rng.uniform(-0.06, 0.06)), end]


def _road_class(horizontal: bool, line: int) -> str:
    if line in (RING_ROWS if horizontal else RING_COLS):
        return "ring"
    return "arterial" if line in (ARTERIAL_ROWS if horizontal else ARTERIAL_COLS) else "local"


ROAD = {"ring": (2, 70.0, 1800), "arterial": (2, 50.0, 1600), "local": (1, 30.0, 700)}


def _street_name(road_class: str, horizontal: bool, line: int) -> str:
    if road_class == "ring":
        return "Tangenziale"
    name = STREETS[(line + (0 if horizontal else ROWS)) % len(STREETS)]
    return f"{'Corso' if road_class == 'arterial' else 'Via'} {name}"


def _grid(rng, bounds):
    x0, y0 = bounds[0] + MARGIN, bounds[1] + MARGIN
    positions = {}
    for r in range(ROWS):
        for c in range(COLS):
            dx, dy = rng.uniform(-JITTER, JITTER, 2)
            positions[(r, c)] = (round(x0 + c * SPACING + dx, 1), round(y0 + r * SPACING + dy, 1))
    edges = []  # (a, b, road_class, name)
    for r in range(ROWS):
        for c in range(COLS):
            if c + 1 < COLS:
                kind = _road_class(True, r)
                edges.append(((r, c), (r, c + 1), kind, _street_name(kind, True, r)))
            if r + 1 < ROWS:
                kind = _road_class(False, c)
                edges.append(((r, c), (r + 1, c), kind, _street_name(kind, False, c)))
    return positions, edges


def _prune(rng, positions, edges):
    """Drop some local streets at random, never disconnecting the network."""
    def adjacency(kept):
        adj = {p: [] for p in positions}
        for i, (a, b, _k, _n) in enumerate(kept):
            adj[a].append((b, i))
            adj[b].append((a, i))
        return adj

    kept = list(edges)
    local = [e for e in edges if e[2] == "local"]
    for index in rng.permutation(len(local))[: int(len(local) * REMOVED_SHARE * 1.5)]:
        if len(edges) - len(kept) >= int(len(local) * REMOVED_SHARE):
            break
        trial = [e for e in kept if e is not local[index]]
        if connected(positions, adjacency(trial)):
            kept = trial
    return kept


def generate_city(seed: int = 42) -> City:
    """Build the whole city: roads, districts, infrastructure and the devices placed on it."""
    rng = np.random.default_rng(seed)
    half_w = (COLS - 1) * SPACING / 2 + MARGIN
    half_h = (ROWS - 1) * SPACING / 2 + MARGIN
    bounds = (-half_w, -half_h, half_w, half_h)
    xs, ys = _splits(rng, bounds[0], bounds[2]), _splits(rng, bounds[1], bounds[3])
    districts = {}
    for i, (_name, _kind, _density) in enumerate(DISTRICTS):
        row, col = divmod(i, 3)
        districts[f"district-{i + 1}"] = (round(xs[col], 1), round(ys[row], 1),
                                          round(xs[col + 1], 1), round(ys[row + 1], 1))
    city = City(seed, bounds, {}, {}, {}, districts, {}, [])
    _districts(city, rng)
    positions, edges = _grid(rng, bounds)
    ids = {}
    for (r, c), (x, y) in positions.items():
        node = Node(f"junction-{r * COLS + c + 1}", x, y, city.district_at(x, y))
        ids[(r, c)] = node.id
        city.nodes[node.id] = node
        city.adjacency[node.id] = []
    for n, (a, b, kind, name) in enumerate(_prune(rng, positions, edges), start=1):
        lanes, speed, capacity = ROAD[kind]
        length = geo.distance(positions[a], positions[b]) * rng.uniform(1.0, 1.06)
        seg = Segment(f"seg-{n}", ids[a], ids[b], round(length, 1), lanes, speed,
                      capacity * lanes, kind, name)
        city.segments[seg.id] = seg
        city.adjacency[seg.a].append((seg.b, seg.id))
        city.adjacency[seg.b].append((seg.a, seg.id))
    _road_assets(city, rng)
    infrastructure.build(city, rng)
    placement.place_devices(city, seed)
    return city


def _districts(city: City, rng) -> None:
    city.assets[CITY_ID] = Asset(CITY_ID, "city", CITY_NAME, geo.rectangle(*city.bounds),
                                 {"seed": city.seed, "population": 0})
    for i, (district_id, (x0, y0, x1, y1)) in enumerate(city.districts.items()):
        name, kind, density = DISTRICTS[i]
        area = (x1 - x0) * (y1 - y0) / 1e6
        population = int(round(area * density * rng.uniform(0.85, 1.15), -2))
        city.assets[district_id] = Asset(
            district_id, "district", name, geo.rectangle(x0, y0, x1, y1),
            {"kind": kind, "population": population, "area_km2": round(area, 2)}, CITY_ID)
        city.assets[CITY_ID].properties["population"] += population


def _road_assets(city: City, rng) -> None:
    signalised = _signalised(city, rng)
    for node in city.nodes.values():
        city.assets[node.id] = Asset(
            node.id, "junction", f"Junction {node.id.split('-')[1]}", geo.point(node.x, node.y),
            {"signalised": node.id in signalised, "degree": len(city.adjacency[node.id])},
            node.district)
    for seg in city.segments.values():
        (ax, ay), (bx, by) = city.xy(seg.a), city.xy(seg.b)
        city.assets[seg.id] = Asset(
            seg.id, "road_segment", f"{seg.name} ({seg.id})", geo.line([(ax, ay), (bx, by)]),
            {"from": seg.a, "to": seg.b, "length_m": seg.length_m, "lanes": seg.lanes,
             "speed_limit_kmh": seg.speed_kmh, "capacity_vph": seg.capacity_vph,
             "road_class": seg.road_class, "street": seg.name},
            city.district_at((ax + bx) / 2, (ay + by) / 2))


def _signalised(city: City, rng) -> set[str]:
    """Crossings of main roads first, then busy four-way junctions on a main road."""
    def main_roads(node_id):
        return {city.segments[s].name for _n, s in city.adjacency[node_id]
                if city.segments[s].road_class != "local"}

    crossings = sorted(n for n in city.nodes if len(main_roads(n)) >= 2
                       and len(city.adjacency[n]) >= 3)
    others = sorted(n for n in city.nodes if len(main_roads(n)) == 1
                    and len(city.adjacency[n]) == 4)
    chosen = list(crossings[:SIGNALISED])
    extra = rng.permutation(len(others))[: max(0, SIGNALISED - len(chosen))]
    return set(chosen) | {others[i] for i in extra}
