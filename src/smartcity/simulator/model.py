"""The demo city's data: intersections, road segments, assets and the graph queries on them."""

import heapq
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    id: str
    x: float
    y: float
    district: str


@dataclass(frozen=True)
class Segment:
    id: str
    a: str
    b: str
    length_m: float
    lanes: int  # per direction
    speed_kmh: float
    capacity_vph: int  # per direction
    road_class: str  # ring | arterial | local
    name: str


@dataclass
class Asset:
    id: str
    type: str
    name: str
    geometry: dict | None
    properties: dict
    parent_id: str | None = None


@dataclass
class City:
    seed: int
    bounds: tuple[float, float, float, float]  # x0, y0, x1, y1 in metres
    nodes: dict[str, Node]
    segments: dict[str, Segment]
    adjacency: dict[str, list[tuple[str, str]]]  # node -> [(neighbour, segment)]
    districts: dict[str, tuple[float, float, float, float]]
    assets: dict[str, Asset]
    devices: list  # placement.DeviceSpec, filled by placement.place_devices

    def district_at(self, x: float, y: float) -> str:
        for district_id, (x0, y0, x1, y1) in self.districts.items():
            if x0 <= x <= x1 and y0 <= y <= y1:
                return district_id
        raise ValueError(f"({x:.0f}, {y:.0f}) is outside the city")

    def xy(self, node_id: str) -> tuple[float, float]:
        node = self.nodes[node_id]
        return node.x, node.y

    def of_type(self, *types: str) -> list[Asset]:
        return [a for a in self.assets.values() if a.type in types]

    def travel_s(self, segment_id: str) -> float:
        seg = self.segments[segment_id]
        return seg.length_m / (seg.speed_kmh / 3.6)

    def shortest_path(self, start: str, goal: str) -> list[str]:
        """Fastest route as a list of node ids (Dijkstra on free-flow travel time)."""
        best, previous = {start: 0.0}, {}
        queue = [(0.0, start)]
        while queue:
            cost, node = heapq.heappop(queue)
            if node == goal:
                break
            if cost > best[node]:
                continue
            for neighbour, seg in self.adjacency[node]:
                candidate = cost + self.travel_s(seg)
                if candidate < best.get(neighbour, float("inf")):
                    best[neighbour], previous[neighbour] = candidate, node
                    heapq.heappush(queue, (candidate, neighbour))
        path = [goal]
        while path[-1] != start:
            path.append(previous[path[-1]])
        return path[::-1]

    def segment_between(self, a: str, b: str) -> str:
        return next(seg for neighbour, seg in self.adjacency[a] if neighbour == b)

    def nearest_node(self, x: float, y: float) -> str:
        return min(self.nodes.values(), key=lambda n: (n.x - x) ** 2 + (n.y - y) ** 2).id


def connected(node_ids, adjacency) -> bool:
    """Breadth-first search: every node reachable from the first one."""
    node_ids = list(node_ids)
    seen, queue = {node_ids[0]}, deque([node_ids[0]])
    while queue:
        for neighbour, _seg in adjacency[queue.popleft()]:
            if neighbour not in seen:
                seen.add(neighbour)
                queue.append(neighbour)
    return len(seen) == len(node_ids)
