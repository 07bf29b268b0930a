"""The road network from plain data: junctions, segments, and snapping a point to a junction
(pure). Segments are two-way unless `oneway` (then they run from `start` to `end`). The graph
is a networkx MultiDiGraph with one edge per direction of a segment, keyed by segment id, so
parallel segments between two junctions stay distinct and a path names the segments it drives;
travel times live outside it (paths.LiveNetwork), so that it is built once per city.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
# Defaults for road assets that lack a property (the demo city always sets them).
DEFAULT_SPEED_KMH = 50.0
DEFAULT_CAPACITY_PER_LANE_VPH = 900


@dataclass(frozen=True)
class Junction:
    id: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Segment:
    id: str
    start: str  # junction ids
    end: str
    length_m: float
    speed_kmh: float  # free-flow speed: the posted limit
    capacity_vph: float  # per direction
    lanes: int = 1
    oneway: bool = False
    coords: tuple[tuple[float, float], ...] = ()  # (lon, lat) from start to end

    @property
    def free_flow_s(self) -> float:
        return self.length_m / (self.speed_kmh / 3.6)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def from_assets(assets: Iterable[dict]) -> tuple[list[Junction], list[Segment]]:
    """Junctions and segments from asset dicts ({id, type, geometry, properties}).

    A segment names its junctions in properties `from`/`to`; missing length, speed or capacity
    fall back to the geometry's length, DEFAULT_SPEED_KMH and DEFAULT_CAPACITY_PER_LANE_VPH.
    """
    junctions, segments = [], []
    for asset in assets:
        props, geometry = asset.get("properties") or {}, asset.get("geometry") or {}
        if asset["type"] == "junction" and geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            junctions.append(Junction(asset["id"], float(lon), float(lat)))
        elif asset["type"] == "road_segment" and props.get("from") and props.get("to"):
            coords = tuple((float(c[0]), float(c[1])) for c in geometry.get("coordinates", ())
                           ) if geometry.get("type") == "LineString" else ()
            length = props.get("length_m") or sum(
                haversine_m(*a, *b) for a, b in zip(coords, coords[1:], strict=False))
            lanes = int(props.get("lanes") or 1)
            segments.append(Segment(
                asset["id"], props["from"], props["to"], float(length),
                float(props.get("speed_limit_kmh") or DEFAULT_SPEED_KMH),
                float(props.get("capacity_vph") or DEFAULT_CAPACITY_PER_LANE_VPH * lanes),
                lanes, bool(props.get("oneway", False)), coords))
    return junctions, segments


class RoadGraph:
    """The static network: junctions, segments, their graph and a KD-tree over the junctions."""

    def __init__(self, junctions: Iterable[Junction], segments: Iterable[Segment]):
        self.junctions = {j.id: j for j in junctions}
        self.segments = {}
        self.skipped: list[str] = []  # segments whose junctions are unknown or length is zero
        self.graph = nx.MultiDiGraph()
        self.graph.add_nodes_from(self.junctions)
        for seg in segments:
            if seg.start not in self.junctions or seg.end not in self.junctions or \
                    seg.length_m <= 0 or seg.speed_kmh <= 0:
                self.skipped.append(seg.id)
                continue
            self.segments[seg.id] = seg
            self.graph.add_edges_from((u, v, seg.id) for u, v in self.directions(seg))
        self._ids = list(self.junctions)
        lat0 = math.radians(np.mean([j.lat for j in self.junctions.values()])) \
            if self.junctions else 0.0
        self._kx = EARTH_RADIUS_M * math.cos(lat0) * math.pi / 180  # metres per degree lon
        self._ky = EARTH_RADIUS_M * math.pi / 180
        self._tree = cKDTree(self._project([(j.lon, j.lat) for j in self.junctions.values()])) \
            if self.junctions else None

    @staticmethod
    def directions(seg: Segment) -> list[tuple[str, str]]:
        return [(seg.start, seg.end)] if seg.oneway else [(seg.start, seg.end),
                                                          (seg.end, seg.start)]

    def _project(self, lonlats) -> np.ndarray:
        """Equirectangular metres around the network's mean latitude (error < 0.1 % in a city)."""
        points = np.asarray(lonlats, dtype=float).reshape(-1, 2)
        return np.column_stack((points[:, 0] * self._kx, points[:, 1] * self._ky))

    def snap(self, lat: float, lon: float) -> tuple[str, float]:
        """The junction nearest to a point and its distance in metres."""
        if self._tree is None:
            raise LookupError("the road network has no junctions")
        distance, index = self._tree.query(self._project([(lon, lat)])[0])
        return self._ids[int(index)], float(distance)

    def snap_many(self, points: Iterable[tuple[float, float]]) -> list[tuple[str, float]]:
        """snap() for many (lat, lon) points in one KD-tree query."""
        points = list(points)
        if not points:
            return []
        if self._tree is None:
            raise LookupError("the road network has no junctions")
        distances, indexes = self._tree.query(self._project([(lon, lat) for lat, lon in points]))
        return [(self._ids[int(i)], float(d)) for d, i in zip(distances, indexes, strict=True)]

    def xy(self, node: str) -> tuple[float, float]:
        j = self.junctions[node]
        return j.lon, j.lat

    def segment_coords(self, segment_id: str, u: str) -> list[tuple[float, float]]:
        """The segment's shape in the direction of travel from junction u."""
        seg = self.segments[segment_id]
        coords = list(seg.coords) or [self.xy(seg.start), self.xy(seg.end)]
        return coords if u == seg.start else coords[::-1]
