"""Plane geometry for the demo city: metres around a centre, GeoJSON in lon/lat (pure)."""

import math

CENTER_LAT, CENTER_LON = 45.0, 7.0  # a fictional place; nothing here is a real map
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(CENTER_LAT))


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Metres east/north of the centre -> (lon, lat), rounded to ~1 cm."""
    return (round(float(CENTER_LON + x / M_PER_DEG_LON), 7),
            round(float(CENTER_LAT + y / M_PER_DEG_LAT), 7))


def to_xy(lon: float, lat: float) -> tuple[float, float]:
    return (lon - CENTER_LON) * M_PER_DEG_LON, (lat - CENTER_LAT) * M_PER_DEG_LAT


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def heading(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Compass bearing in degrees from a to b (0 = north, 90 = east)."""
    return round(math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360.0, 1)


def point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": list(to_lonlat(x, y))}


def line(points: list[tuple[float, float]]) -> dict:
    return {"type": "LineString", "coordinates": [list(to_lonlat(x, y)) for x, y in points]}


def rectangle(x0: float, y0: float, x1: float, y1: float) -> dict:
    ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return {"type": "Polygon", "coordinates": [[list(to_lonlat(x, y)) for x, y in ring]]}


def point_in_polygon(lon: float, lat: float, polygon: dict) -> bool:
    """Ray casting over the outer ring of a GeoJSON Polygon (boundary counts as inside)."""
    ring = polygon["coordinates"][0]
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if min(y1, y2) <= lat <= max(y1, y2) and min(x1, x2) <= lon <= max(x1, x2) and (
                (x2 - x1) * (lat - y1) == (y2 - y1) * (lon - x1)):
            return True  # on an edge
        if (y1 > lat) != (y2 > lat):
            cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < cross:
                inside = not inside
    return inside


def bbox(geometry: dict) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a Point, LineString or Polygon."""
    coords = geometry["coordinates"]
    if geometry["type"] == "Point":
        coords = [coords]
    elif geometry["type"] == "Polygon":
        coords = coords[0]
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    return min(lons), min(lats), max(lons), max(lats)
