"""Injected events and the readings they leave behind (pure).

Each kind has a signature the domain logic should detect:
- leak: a DMA's inlet flow rises by a constant (its minimum night flow with it), pressure drops;
- fire: PM, CO and temperature spike at sensors near the fire (air quality, bins, weather);
- congestion: speed collapses and occupancy climbs on a corridor of road segments;
- sensor-fault: one device flatlines (repeats a value) or reads out of range;
- pollution-episode: PM and NO2 rise city-wide under stagnant air (low wind).
"""

import math
import re
from dataclasses import dataclass, field

import numpy as np

from smartcity.simulator import geo

KINDS = ("leak", "fire", "congestion", "sensor-fault", "pollution-episode")
DEFAULT_DURATION_S = {"leak": 12 * 3600, "fire": 45 * 60, "congestion": 3600,
                      "sensor-fault": 2 * 3600, "pollution-episode": 8 * 3600}
LEAK_SHARE = 0.35  # leak flow as a share of the DMA's mean demand
LEAK_PRESSURE_DROP_BAR = 0.45
FIRE_RADIUS_M = 900.0
CONGESTION_SPEED = 0.3  # share of free speed left on the corridor (capacity collapse)
EPISODE_FACTOR = 2.8  # PM multiplier at the height of a pollution episode
RAMP_S = 1800.0  # events build up and fade over half an hour


@dataclass
class Event:
    kind: str
    start: float  # epoch seconds
    end: float
    target: str | None = None  # DMA, AQ station, street name or device id
    x: float | None = None  # metres, for fires
    y: float | None = None
    params: dict = field(default_factory=dict)

    def active(self, t: float) -> bool:
        return self.start <= t < self.end

    def strength(self, t: float) -> float:
        """0 outside the event, ramping to 1 within RAMP_S of its start (and back at the end)."""
        if not self.active(t):
            return 0.0
        ramp = min(RAMP_S, (self.end - self.start) / 4)
        return min(1.0, (t - self.start) / ramp, (self.end - t) / ramp) if ramp else 1.0

    def describe(self) -> dict:
        return {"kind": self.kind, "start": self.start, "end": self.end, "target": self.target,
                **({"x": self.x, "y": self.y} if self.x is not None else {}), **self.params}


_SPEC = re.compile(r"^(?P<kind>[a-z-]+)(?::(?P<target>[\w.-]+))?(?:@(?P<at>\d+[smhd]))?"
                   r"(?:\+(?P<duration>\d+[smhd]))?$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(text: str) -> float:
    """'90s', '15m', '2h', '7d' -> seconds."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if not match:
        raise ValueError(f"expected a duration like 30s, 15m, 2h or 7d, got {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_spec(spec: str) -> tuple[str, str | None, float, float | None]:
    """'leak', 'leak:dma-2', 'fire@10m', 'congestion:Corso Roma+2h' -> kind, target, delay, span."""
    match = _SPEC.match(spec.strip().replace(" ", "_"))
    if not match or match.group("kind") not in KINDS:
        raise ValueError(f"--inject expects KIND[:target][@delay][+duration] with KIND one of "
                         f"{', '.join(KINDS)}; got {spec!r}")
    target = match.group("target")
    delay = seconds(match.group("at")) if match.group("at") else 0.0
    span = seconds(match.group("duration")) if match.group("duration") else None
    return match.group("kind"), target.replace("_", " ") if target else None, delay, span


def plan(kind: str, city, start: float, duration: float | None = None,
         target: str | None = None, seed: int = 0) -> Event:
    """Choose where an event happens (seeded) and build it."""
    rng = np.random.default_rng([seed, int(start), KINDS.index(kind)])
    end = start + (duration or DEFAULT_DURATION_S[kind])
    if kind == "leak":
        dmas = [a.id for a in city.of_type("dma")]
        return Event(kind, start, end, target or dmas[int(rng.integers(len(dmas)))],
                     params={"share": LEAK_SHARE})
    if kind == "fire":
        stations = [d for d in city.devices if d.type == "air_quality_station"]
        station = next((d for d in stations if d.id == target), None) or stations[
            int(rng.integers(len(stations)))]
        angle = rng.uniform(0, 2 * math.pi)
        x, y = station.x + 220 * math.cos(angle), station.y + 220 * math.sin(angle)
        return Event(kind, start, end, station.id, round(x, 1), round(y, 1))
    if kind == "congestion":
        segment = _congestion_site(city, target, rng)
        street = city.segments[segment].name
        return Event(kind, start, end, street,
                     params={"segments": _corridor(city, segment), "at": segment})
    if kind == "sensor-fault":
        candidates = [d.id for d in city.devices if d.type in (
            "air_quality_station", "traffic_counter", "pressure_sensor", "smart_bin")]
        device = target or candidates[int(rng.integers(len(candidates)))]
        mode = "flatline" if rng.random() < 0.5 else "out_of_range"
        return Event(kind, start, end, device, params={"mode": mode})
    return Event(kind, start, end, "city")


def _congestion_site(city, target: str | None, rng) -> str:
    """A segment to build the corridor around: the one named, one of the street named, or a
    counted main road."""
    if target in city.segments:
        return target
    counted = sorted({d.asset_id for d in city.devices if d.type == "traffic_counter"
                      and city.segments[d.asset_id].road_class == "arterial"},
                     key=lambda s: int(s.split("-")[1]))
    if target:
        counted = [s for s in counted if city.segments[s].name == target] or sorted(
            (s.id for s in city.segments.values() if s.name == target),
            key=lambda s: int(s.split("-")[1]))
        if not counted:
            raise ValueError(f"no road segment or street named {target!r}")
    return counted[int(rng.integers(len(counted)))]


def _corridor(city, segment_id: str, length: int = 7) -> list[str]:
    """The segment and its neighbours along the same street."""
    def middle(seg):
        (ax, ay), (bx, by) = city.xy(seg.a), city.xy(seg.b)
        return (ax + bx) / 2, (ay + by) / 2

    centre = middle(city.segments[segment_id])
    street = [s for s in city.segments.values() if s.name == city.segments[segment_id].name]
    street.sort(key=lambda s: geo.distance(middle(s), centre))
    return [s.id for s in street[:length]]


# -- effects, asked by the simulated devices -------------------------------------------------
def _active(events, kind: str, t: float):
    return [e for e in events if e.kind == kind and e.active(t)]


def leak_m3h(events, dma_id: str, mean_m3h: float, t: float) -> float:
    return sum(mean_m3h * e.params.get("share", LEAK_SHARE) * e.strength(t)
               for e in _active(events, "leak", t) if e.target == dma_id)


def pressure_drop_bar(events, dma_id: str, t: float) -> float:
    return sum(LEAK_PRESSURE_DROP_BAR * e.strength(t)
               for e in _active(events, "leak", t) if e.target == dma_id)


def incident(events, segment_id: str, t: float) -> float:
    """0-1: how badly a congestion event holds up this segment."""
    return max((e.strength(t) for e in _active(events, "congestion", t)
                if segment_id in e.params.get("segments", ())), default=0.0)


def congested(state: tuple[float, float, float], free_kmh: float,
              strength: float) -> tuple[float, float, float]:
    """An incident: flow breaks down, traffic crawls, the detector sees a standing queue."""
    flow, speed, occupancy = state
    return (flow * (1 - 0.35 * strength),
            min(speed, free_kmh * (1 - (1 - CONGESTION_SPEED) * strength)),
            max(occupancy, 82.0 * strength))


def fire_exposure(events, x: float, y: float, t: float) -> float:
    """0-1: how much of a nearby fire's smoke and heat reaches (x, y)."""
    best = 0.0
    for e in _active(events, "fire", t):
        d = geo.distance((x, y), (e.x, e.y))
        if d < FIRE_RADIUS_M:
            best = max(best, e.strength(t) * math.exp(-d / 250))
    return best


def air_quality(events, x: float, y: float, t: float, values: dict) -> dict:
    episode = max((e.strength(t) for e in _active(events, "pollution-episode", t)), default=0.0)
    if episode:
        factor = 1 + (EPISODE_FACTOR - 1) * episode
        values = {**values, "pm25": values["pm25"] * factor, "pm10": values["pm10"] * factor,
                  "no2": values["no2"] * (1 + 0.9 * episode), "co": values["co"] * (1 + episode)}
    smoke = fire_exposure(events, x, y, t)
    if smoke:
        values = {**values, "pm25": values["pm25"] + 420 * smoke,
                  "pm10": values["pm10"] + 560 * smoke, "co": values["co"] + 9 * smoke,
                  "no2": values["no2"] + 45 * smoke}
    return values


def wind_factor(events, t: float) -> float:
    """A pollution episode comes with stagnant air."""
    episode = max((e.strength(t) for e in _active(events, "pollution-episode", t)), default=0.0)
    return 1 - 0.7 * episode


def heat_c(events, x: float, y: float, t: float, near_m: float = 60.0) -> float:
    """Extra temperature at (x, y): scorching next to the fire, a few degrees downwind."""
    exposure = 0.0
    for e in _active(events, "fire", t):
        d = geo.distance((x, y), (e.x, e.y))
        exposure += e.strength(t) * (55.0 if d < near_m else 0.0) + e.strength(t) * 6 * math.exp(
            -d / 200)
    return exposure


def sensor_fault(events, device_id: str, t: float, values: dict, stuck: dict | None) -> dict:
    """Replace a faulty device's reading: the last good one repeated, or impossible values."""
    if not events:
        return values
    for e in _active(events, "sensor-fault", t):
        if e.target != device_id:
            continue
        if e.params.get("mode") == "flatline":
            return dict(stuck) if stuck else values
        return {k: (-999.0 if i % 2 else 9999.0) if _numeric(v) else v
                for i, (k, v) in enumerate(values.items())}
    return values


def _numeric(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
