"""Which simulated times already have readings in the app (instance/simulator-state.json), so
that a restarted demo fills in only the gaps instead of laying a second series over the first."""

import math
import threading
from pathlib import Path

import orjson

KEEP_S = 30 * 86_400  # forget coverage older than this
_lock = threading.Lock()  # the live runner and the history thread both record


def load(path: Path | None) -> list[list[float]]:
    if path is None or not Path(path).is_file():
        return []
    try:
        covered = orjson.loads(Path(path).read_bytes())["covered"]
        return [[float(a), float(b)] for a, b in covered]
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return []


def merge(intervals: list[list[float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def add(path: Path | None, start: float, end: float) -> None:
    """Record that readings exist for [start, end]."""
    if path is None or end < start:
        return
    with _lock:
        covered = [i for i in merge(load(path) + [[start, end]]) if i[1] >= end - KEEP_S]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(orjson.dumps({"covered": covered}))


def grid(start: float, end: float, resolution: float, covered=()) -> list[float]:
    """Times k * resolution in [start, end) outside the covered intervals: the same grid for
    every run, so that a retried history changes nothing (first write wins)."""
    first = math.ceil(start / resolution) * resolution
    times = [first + k * resolution for k in range(max(0, math.ceil((end - first) / resolution)))]
    return [t for t in times if not any(a <= t <= b for a, b in covered)]
