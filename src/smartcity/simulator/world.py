"""The shared state the simulated devices read: time, weather, traffic on every segment, signal
plans, bin fill levels, valve positions, and the injected events (no I/O)."""

import random

from smartcity.simulator import inject, signals
from smartcity.simulator.model import City

PLANS = {  # two-phase fixed-time plans: phase 0 serves west-east approaches, phase 1 north-south
    "night": {"plan_id": "night", "cycle_s": 60, "greens_s": [24, 24]},
    "day": {"plan_id": "day", "cycle_s": 90, "greens_s": [40, 38]},
    "peak": {"plan_id": "peak", "cycle_s": 120, "greens_s": [58, 50]},
}
REFERENCE_GREEN_SHARE = 0.45  # green/cycle that lets an approach carry its nominal capacity
DISTRICT_TRAFFIC = {"commercial": 1.12, "mixed": 1.0, "residential": 0.92, "industrial": 0.85}
REFERENCE_EPOCH = 1_704_067_200.0  # 2024-01-01: cumulative meters count from here


def scheduled_plan(hour: float, weekday: int) -> dict:
    if hour >= 22.5 or hour < 6:
        return PLANS["night"]
    if weekday < 5 and (7 <= hour < 9.5 or 16.5 <= hour < 19):
        return PLANS["peak"]
    return PLANS["day"]


def signal_phase(plan: dict, t: float) -> int:
    """The phase showing green at time t (amber and all-red folded into the next phase)."""
    greens = plan["greens_s"]
    into = (t % plan["cycle_s"]) * sum(greens) / plan["cycle_s"]
    for phase, green in enumerate(greens):
        if into < green:
            return phase
        into -= green
    return len(greens) - 1


class World:
    def __init__(self, city: City, seed: int, events=None):
        self.city, self.seed = city, seed
        self.events: list[inject.Event] = list(events or [])
        self.t = 0.0
        self.hour, self.weekday, self.traffic_level = 0.0, 0, 0.0
        self.bin_fill: dict[str, float] = {}  # smart_bin id -> %
        self.bin_claims: set[str] = set()  # bins a truck is on its way to empty
        self.bin_node: dict[str, str] = {}  # smart_bin id -> the junction its truck stops at
        self.signal_override: dict[str, dict] = {}  # junction -> applied plan
        self.valve_position: dict[str, float] = {}  # dma -> %
        self.dispatches: set[int] = set()  # fire events an engine was sent to
        self._paths: dict[tuple[str, str], list[str]] = {}
        self._weather = None
        self._segments: dict[str, tuple[float, float, float]] = {}
        self._dma_demand: dict[str, float] = {}
        self._generation: dict[str, float] = {}
        self.generators: dict[str, list] = {}
        for spec in city.devices:
            if spec.type == "generator":
                self.generators.setdefault(spec.asset_id, []).append(spec)
        self._district_kind = {d: city.assets[d].properties["kind"] for d in city.districts}
        # Counters and vehicles share the segments' state; stable per seed, noisy per tick.
        self._segment_bias = {s: random.Random(f"{seed}:{s}").uniform(0.85, 1.15)
                              for s in city.segments}

    # -- time --------------------------------------------------------------------------------
    def at(self, t: float) -> "World":
        if t != self.t:
            self.t = t
            self.hour, self.weekday, _ = signals.clock(t)
            self.traffic_level = signals.traffic_profile(self.hour, self.weekday)
            self._weather = None
            self._segments.clear()
            self._dma_demand.clear()
            self._generation.clear()
        return self

    def weather(self) -> signals.Weather:
        if self._weather is None:
            w = signals.weather(self.t, self.seed)
            factor = inject.wind_factor(self.events, self.t)
            if factor != 1.0:
                w = signals.Weather(**{**w.__dict__, "wind_speed": round(w.wind_speed * factor, 2)})
            self._weather = w
        return self._weather

    # -- traffic -----------------------------------------------------------------------------
    def plan_at(self, junction_id: str) -> dict:
        return self.signal_override.get(junction_id) or scheduled_plan(self.hour, self.weekday)

    def _green_factor(self, segment_id: str) -> float:
        """How the signal plans at a segment's ends scale its capacity."""
        seg = self.city.segments[segment_id]
        (ax, ay), (bx, by) = self.city.xy(seg.a), self.city.xy(seg.b)
        phase = 0 if abs(bx - ax) >= abs(by - ay) else 1
        factor = 1.0
        if not self.signal_override:
            return factor
        for junction in (seg.a, seg.b):
            if junction in self.signal_override:
                plan = self.signal_override[junction]
                greens = plan["greens_s"]
                share = greens[min(phase, len(greens) - 1)] / plan["cycle_s"]
                factor = min(factor, max(0.25, min(1.6, share / REFERENCE_GREEN_SHARE)))
        return factor

    def segment(self, segment_id: str) -> tuple[float, float, float]:
        """(flow veh/h, speed km/h, occupancy %) of one direction of a segment now."""
        cached = self._segments.get(segment_id)
        if cached is None:
            seg = self.city.segments[segment_id]
            district = self.city.nodes[seg.a].district
            profile = (self.traffic_level * DISTRICT_TRAFFIC[self._district_kind[district]]
                       * self._segment_bias[segment_id])
            cached = signals.traffic(seg.capacity_vph, seg.lanes, seg.speed_kmh, seg.road_class,
                                     profile, self._green_factor(segment_id))
            strength = self.events and inject.incident(self.events, segment_id, self.t)
            if strength:
                cached = inject.congested(cached, seg.speed_kmh, strength)
            self._segments[segment_id] = cached
        return cached

    def path(self, start: str, goal: str) -> list[str]:
        key = (start, goal)
        if key not in self._paths:
            self._paths[key] = self.city.shortest_path(start, goal)
        return self._paths[key]

    # -- energy and water --------------------------------------------------------------------
    def generation_kw(self, feeder_id: str) -> float:
        if feeder_id not in self._generation:
            w = self.weather()
            self._generation[feeder_id] = sum(
                signals.solar_kw(g.metadata["capacity_kw"], w) if g.metadata["kind"] == "solar"
                else signals.wind_kw(g.metadata["capacity_kw"], w)
                for g in self.generators.get(feeder_id, ()))
        return self._generation[feeder_id]

    def dma_mean(self, dma_id: str) -> float:
        return self.city.assets[dma_id].properties["mean_demand_m3h"]

    def dma_demand(self, dma_id: str) -> float:
        """What the zone draws (m³/h): consumption, background leakage and any injected leak."""
        if dma_id not in self._dma_demand:
            mean = self.dma_mean(dma_id)
            demand = signals.water_demand(mean, self.hour, self.weekday,
                                          self.weather().temperature)
            self._dma_demand[dma_id] = demand + inject.leak_m3h(self.events, dma_id, mean, self.t)
        return self._dma_demand[dma_id]

    def dma_flow(self, dma_id: str) -> float:
        """Inlet flow (m³/h): the demand, as far as the inlet valve lets it through."""
        limit = 2.8 * self.dma_mean(dma_id) * self.valve_position.get(dma_id, 100.0) / 100
        return min(self.dma_demand(dma_id), limit)

    def dma_pressure(self, dma_id: str, at_inlet: bool) -> float:
        target = self.city.assets[dma_id].properties["pressure_target_bar"]
        pressure = signals.dma_pressure(target, self.dma_demand(dma_id), self.dma_mean(dma_id),
                                        at_inlet)
        pressure -= inject.pressure_drop_bar(self.events, dma_id, self.t)
        throttled = 1 - self.valve_position.get(dma_id, 100.0) / 100
        return pressure - throttled * (0.6 if at_inlet else 1.5)

    def district_kind(self, x: float, y: float) -> str:
        return self._district_kind[self.city.district_at(x, y)]
