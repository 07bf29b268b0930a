"""Paths, travel times, isochrones and ETA ranking on one state of the network (pure).

A LiveNetwork is a RoadGraph plus one travel time per segment (None = closed). Searches run on
the RoadGraph's networkx graph (one edge per direction of a segment, keyed by segment id) with
a weight function reading those times, so a new state costs a dict, not a new graph: rebuilding
a graph of the demo city took 6-50 ms, where the weight function adds about 1 ms to a search.
A LiveNetwork is never changed once built; threads share it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.spatial import ConvexHull, QhullError

from smartcity.roads.graph import RoadGraph, haversine_m

WEIGHTS = ("time", "length")


@dataclass(frozen=True)
class Route:
    nodes: list[str]
    segments: list[str]
    length_m: float
    time_s: float
    coordinates: list[tuple[float, float]]  # (lon, lat)

    def to_dict(self) -> dict:
        return {"nodes": self.nodes, "segments": self.segments,
                "distance_m": round(self.length_m, 1), "eta_s": round(self.time_s, 1),
                "geometry": {"type": "LineString",
                             "coordinates": [list(c) for c in self.coordinates]}}


class LiveNetwork:
    def __init__(self, roads: RoadGraph, times: Mapping[str, float | None]):
        self.roads = roads
        self.graph = roads.graph
        self.times = {sid: times.get(sid, seg.free_flow_s) for sid, seg in roads.segments.items()}
        self._reverse = self.graph.reverse(copy=False)
        lengths = {sid: seg.length_m for sid, seg in roads.segments.items()}
        cost = {"time": self.times,
                "length": {sid: None if self.times[sid] is None else length
                           for sid, length in lengths.items()}}
        # networkx hands a weight function the {segment id: attrs} of all edges u -> v; None
        # hides the hop (every segment of it closed)
        self._weights = {name: (lambda _u, _v, keys, c=c: min(
            (c[k] for k in keys if c[k] is not None), default=None)) for name, c in cost.items()}
        self._cost = cost

    # -- paths ---------------------------------------------------------------------------------
    def route(self, source: str, target: str, weight: str = "time") -> Route | None:
        """The shortest path by time or length, or None when target is unreachable."""
        if weight not in WEIGHTS:
            raise ValueError(f"weight must be one of {WEIGHTS}")
        self._require(source, target)
        try:
            _cost, nodes = nx.bidirectional_dijkstra(self.graph, source, target,
                                                     weight=self._weights[weight])
        except nx.NetworkXNoPath:
            return None
        return self.route_along(nodes, weight)

    def route_along(self, nodes: list[str], weight: str = "time") -> Route:
        """A Route through the given junctions, taking the best open parallel segment per hop."""
        cost = self._cost[weight]
        segments, length, time = [], 0.0, 0.0
        coords = [self.roads.xy(nodes[0])]
        for u, v in zip(nodes, nodes[1:], strict=False):
            key = min((k for k in self.graph[u][v] if cost[k] is not None),
                      key=lambda k: (cost[k], k))
            segments.append(key)
            length += self.roads.segments[key].length_m
            time += self.times[key]
            coords.extend(self.roads.segment_coords(key, u)[1:])
        return Route(list(nodes), segments, length, time, coords)

    def travel_times(self, source: str, limit_s: float | None = None,
                     towards: bool = False) -> dict[str, float]:
        """Seconds from source to every junction reached (within limit_s); towards=True gives
        the seconds from every junction to source instead (what an ETA to an incident needs)."""
        self._require(source)
        graph = self._reverse if towards else self.graph
        return nx.single_source_dijkstra_path_length(graph, source, cutoff=limit_s,
                                                     weight=self._weights["time"])

    def matrix(self, nodes: list[str], weight: str = "length") -> list[list[float | None]]:
        """Shortest metres (or seconds) between every pair of junctions, one search per row;
        None where a junction cannot reach another (closed or one-way streets)."""
        if weight not in WEIGHTS:
            raise ValueError(f"weight must be one of {WEIGHTS}")
        self._require(*nodes)
        rows, found = [], {}
        for source in nodes:
            if source not in found:  # bins often share a junction
                found[source] = nx.single_source_dijkstra_path_length(
                    self.graph, source, weight=self._weights[weight])
            reached = found[source]
            rows.append([reached.get(target) for target in nodes])
        return rows

    def rank_by_eta(self, candidates: Mapping[str, str], target: str) -> list[dict]:
        """Candidates ({id: junction}) by driving time to target, fastest first; the unreachable
        last with eta_s None. One reverse search from target serves every candidate."""
        times = self.travel_times(target, towards=True)
        ranked = [{"id": cid, "node": node, "eta_s": times.get(node)}
                  for cid, node in candidates.items()]
        ranked.sort(key=lambda r: (r["eta_s"] is None, r["eta_s"] or 0.0, r["id"]))
        return ranked

    def rank_positions(self, positions: Mapping[str, tuple[float, float]],
                       target: str) -> list[dict]:
        """rank_by_eta for candidates at (lat, lon) positions (vehicles' live positions), each
        snapped to its nearest junction; `snap_m` says how far off the network it was."""
        ids = list(positions)
        snapped = self.roads.snap_many([positions[i] for i in ids])
        ranked = self.rank_by_eta({i: node for i, (node, _d) in zip(ids, snapped, strict=True)},
                                  target)
        off = {i: d for i, (_node, d) in zip(ids, snapped, strict=True)}
        return [{**r, "snap_m": round(off[r["id"]], 1)} for r in ranked]

    # -- isochrones ----------------------------------------------------------------------------
    def isochrone(self, source: str, limit_s: float) -> dict:
        """Junctions reachable from source within limit_s, and a GeoJSON polygon around the
        network reached: the convex hull of those junctions and of the points where the time
        runs out part-way along a segment (None when fewer than three points span an area)."""
        reached = self.travel_times(source, limit_s)
        points = [self.roads.xy(n) for n in reached]
        for u, t_u in reached.items():
            for keys in self.graph[u].values():
                for key in keys:
                    t = self.times[key]
                    if t is not None and t_u + t > limit_s and t > 0:
                        points.append(_along(self.roads.segment_coords(key, u),
                                             (limit_s - t_u) / t))
        return {"source": source, "limit_s": limit_s, "nodes": sorted(reached),
                "times_s": reached, "geometry": hull_polygon(points)}

    def _require(self, *nodes: str) -> None:
        for node in nodes:
            if node not in self.graph:
                raise KeyError(f"unknown junction {node!r}")


def _along(coords: list[tuple[float, float]], share: float) -> tuple[float, float]:
    """The point at `share` (0-1) of a polyline's length."""
    legs = [haversine_m(*a, *b) for a, b in zip(coords, coords[1:], strict=False)]
    remaining = max(0.0, min(1.0, share)) * sum(legs)
    for (a, b), leg in zip(zip(coords, coords[1:], strict=False), legs, strict=True):
        if remaining <= leg and leg > 0:
            f = remaining / leg
            return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
        remaining -= leg
    return coords[-1]


def hull_polygon(points: Iterable[tuple[float, float]]) -> dict | None:
    """GeoJSON Polygon (closed, counter-clockwise) of the convex hull of (lon, lat) points."""
    unique = np.unique(np.round(np.asarray(list(points), dtype=float).reshape(-1, 2), 7), axis=0)
    if len(unique) < 3:
        return None
    try:
        hull = ConvexHull(unique)
    except QhullError:  # all points on a line
        return None
    ring = [[round(float(x), 7), round(float(y), 7)] for x, y in unique[hull.vertices]]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}
