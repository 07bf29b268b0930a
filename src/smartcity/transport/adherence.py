"""Schedule adherence, headway regularity and arrival predictions from vehicle tracks.

Pure functions over plain data. A trip pattern's path is the polyline through its stops; a
track point is placed on it by its distance along the path (metres) when it lies within
SNAP_M of it. A stop is passed when the distance along goes forward across the stop's:
arrival time at a stop is interpolated between the two points around it (departure for the
first stop, which a vehicle leaves rather than reaches); within REACH_M short of a stop counts
as at it.

Headway regularity as London Buses measures high-frequency routes (TfL): the wait a passenger
arriving at random expects with headways h is sum(h^2) / (2 sum(h)); Scheduled Waiting Time
(SWT) from the timetable's headways, Actual Waiting Time (AWT) from the observed ones, Excess
Waiting Time EWT = AWT - SWT. The coefficient of variation of the observed headways
(standard deviation / mean, population) is the other common regularity figure.
"""

import math
import statistics
from bisect import bisect_right

SNAP_M = 150.0
REACH_M = 20.0  # a vehicle this close short of a stop is at it (GPS noise, stopping short)
# Going back less than this is noise, or a curve of the road under the straight line between
# two stops; going back more ends the run.
BACK_M = 50.0
EARTH_M = 6_371_000.0


class Path:
    """A polyline of (lon, lat) points with each vertex's distance along it, in metres."""

    def __init__(self, coords: list[tuple[float, float]]):
        self.lat0 = math.radians(sum(c[1] for c in coords) / len(coords))
        self.xy = [self.project(lon, lat) for lon, lat in coords]
        self.along = [0.0]
        for (x1, y1), (x2, y2) in zip(self.xy, self.xy[1:], strict=False):
            self.along.append(self.along[-1] + math.hypot(x2 - x1, y2 - y1))

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """Equirectangular metres: exact enough over a city."""
        return (math.radians(lon) * math.cos(self.lat0) * EARTH_M, math.radians(lat) * EARTH_M)

    def locate(self, lon: float, lat: float) -> tuple[float, float]:
        """(distance along, distance off) of the path's nearest point to (lon, lat)."""
        px, py = self.project(lon, lat)
        best = (math.inf, 0.0)
        for i, ((x1, y1), (x2, y2)) in enumerate(zip(self.xy, self.xy[1:], strict=False)):
            dx, dy = x2 - x1, y2 - y1
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy)
                                                      / length2))
            off = math.hypot(px - x1 - t * dx, py - y1 - t * dy)
            if off < best[0]:  # a vertex measures exactly its own distance along
                along = self.along[i + 1] if t == 1.0 else self.along[i] + t * math.sqrt(length2)
                best = (off, along)
        return best[1], best[0]


def placed(path: Path, track: list[tuple[int, float, float]], snap_m: float = SNAP_M
           ) -> list[tuple[int, float]]:
    """(ts, distance along) of the track points [(ts, lon, lat)] within snap_m of the path."""
    out = []
    for ts, lon, lat in track:
        along, off = path.locate(lon, lat)
        if off <= snap_m:
            out.append((ts, along))
    return out


def passings(path: Path, track: list[tuple[int, float, float]], snap_m: float = SNAP_M
             ) -> list[list[tuple[int, int]]]:
    """Runs of stop passings [(stop index, ts)], one run per time the vehicle goes along the
    path forward; a run ends when the vehicle is more than BACK_M behind the furthest point
    it reached. A run of one passing says nothing of a direction and is left out."""
    points = placed(path, track, snap_m)
    runs, run, high = [], [], -math.inf
    for (t1, a1), (t2, a2) in zip(points, points[1:], strict=False):
        high = max(high, a1)
        if a2 < high - BACK_M:  # going back: the other direction, or a new trip
            runs.append(run)
            run, high = [], a2
            continue
        if a2 <= a1:
            continue
        for k, d in enumerate(path.along):
            if run and k <= run[-1][0]:
                continue
            if k == 0 and a1 - REACH_M <= d < a2:
                ts = t1 if d <= a1 else t1 + (t2 - t1) * (d - a1) / (a2 - a1)
            elif k > 0 and a1 < d <= a2 + REACH_M:
                ts = t2 if d >= a2 else t1 + (t2 - t1) * (d - a1) / (a2 - a1)
            else:
                continue
            run.append((k, round(ts)))
    runs.append(run)
    return [r for r in runs if len(r) >= 2]


def scheduled_instants(day_start_ms: int, trip) -> list[int]:
    """Epoch ms the trip is due at each stop: departure at the first, arrival at the rest."""
    return [day_start_ms + 1000 * (trip.departures[0] if k == 0 else a)
            for k, a in enumerate(trip.arrivals)]


def match(run: list[tuple[int, int]], candidates: list[tuple[object, list[int]]],
          max_delay_s: float) -> tuple[object, list[int]] | None:
    """The candidate (trip, due instants) whose times the run's passings fit best (least mean
    absolute delay), if within max_delay_s; None otherwise."""
    best, best_err = None, math.inf
    for trip, due in candidates:
        err = statistics.fmean(abs(ts - due[k]) for k, ts in run)
        if err < best_err:
            best, best_err = (trip, due), err
    return best if best is not None and best_err <= max_delay_s * 1000 else None


def regularity(scheduled: list[int], actual: list[int]) -> dict:
    """Headway figures at a stop from due and observed passing instants (ms, any order):
    headways in s, mean, standard deviation, CV, SWT, AWT and EWT in s (None when fewer than
    two passings)."""
    def headways(times):
        times = sorted(times)
        return [(b - a) / 1000 for a, b in zip(times, times[1:], strict=False)]

    def wait(h):
        return sum(x * x for x in h) / (2 * sum(h)) if h and sum(h) > 0 else None

    hs, ha = headways(scheduled), headways(actual)
    mean = statistics.fmean(ha) if ha else None
    sd = statistics.pstdev(ha) if ha else None
    swt, awt = wait(hs), wait(ha)
    return {"scheduled_headways_s": hs, "actual_headways_s": ha, "mean_headway_s": mean,
            "sd_headway_s": sd, "cv": sd / mean if mean else None, "swt_s": swt, "awt_s": awt,
            "ewt_s": awt - swt if awt is not None and swt is not None else None}


def segment_speeds(path: Path, runs: list[list[tuple[int, int]]]) -> dict[int, float]:
    """{segment k (stop k to k+1): median observed speed in m/s} from passing runs."""
    seen: dict[int, list[float]] = {}
    for run in runs:
        for (k1, t1), (k2, t2) in zip(run, run[1:], strict=False):
            if k2 == k1 + 1 and t2 > t1:
                seen.setdefault(k1, []).append((path.along[k2] - path.along[k1])
                                                / ((t2 - t1) / 1000))
    return {k: statistics.median(v) for k, v in seen.items()}


def predict(path: Path, along: float, at_ms: int, speeds: dict[int, float],
            fallback: dict[int, float]) -> list[tuple[int, int]]:
    """[(stop index, predicted arrival ms)] of the stops ahead of a vehicle `along` metres
    down the path at at_ms: each segment ahead at its observed speed (else `fallback`, the
    timetable's), the current segment from where the vehicle is."""
    out, t = [], float(at_ms)
    k = bisect_right(path.along, along) - 1  # the segment the vehicle is on
    position = along
    for nxt in range(k + 1, len(path.along)):
        speed = speeds.get(nxt - 1) or fallback.get(nxt - 1)
        if not speed or speed <= 0:
            break
        t += (path.along[nxt] - position) / speed * 1000
        position = path.along[nxt]
        out.append((nxt, round(t)))
    return out


def timetable_speeds(path: Path, trip) -> dict[int, float]:
    """{segment k: scheduled speed in m/s}: the path's length over the trip's time between
    departing stop k and arriving at k+1."""
    out = {}
    for k in range(len(path.along) - 1):
        dt = trip.arrivals[k + 1] - trip.departures[k]
        if dt > 0:
            out[k] = (path.along[k + 1] - path.along[k]) / dt
    return out
