"""Vehicles moving along the road graph at the speed traffic allows: buses serve their lines,
refuse trucks empty the bins that filled up, emergency units answer calls and fires."""

import math

from smartcity.simulator import geo
from smartcity.simulator.base import CommandError, SimDevice

STOP_DWELL_S = 25.0
LAYOVER_S = 240.0
COLLECT_S = 75.0  # per bin
FULL_ENOUGH = 70.0  # % fill that puts a bin on the next round
ROUND_SIZE = 14
CALL_EVERY_S = {"ambulance": 3.0 * 3600, "police_car": 2.5 * 3600, "fire_engine": 16.0 * 3600}
USE_PER_KM = {"bus": 0.14, "truck": 0.5}  # % of the tank per km; electric buses 0.32
CREW = {"truck": 2, "ambulance": 2, "police_car": 2, "fire_engine": 4}


class Vehicle(SimDevice):
    decimals = 7

    def __init__(self, spec, world, seed):
        super().__init__(spec, world, seed)
        self.city = world.city
        self.kind = spec.metadata["kind"]
        self.home = spec.metadata["home_node"]
        self.node, self.route, self.offset = self.home, [], 0.0
        self.wait, self.state = 0.0, "available" if self.kind in CALL_EVERY_S else "idle"
        self.speed_kmh, self.heading = 0.0, 0.0
        self.odometer = self.rng.uniform(20_000, 180_000)
        self.electric = spec.metadata.get("powertrain") == "electric"
        self.level = self.rng.uniform(55, 95)  # fuel or battery, %
        self.occupancy = CREW.get(self.kind, 0)
        self.counted = [0, 0]  # boardings, alightings since the last reading
        self.collect: dict[str, list[str]] = {}
        self.assigned: list[str] = []  # a round the platform planned (assign_route)
        self.scene_until = None
        if self.kind in CALL_EVERY_S:
            self.wait = self.rng.expovariate(1 / CALL_EVERY_S[self.kind])
        if self.kind == "bus":
            line = self.city.assets[spec.metadata["line"]].properties
            self.line = list(line["nodes"])
            self.stops = {self.city.assets[s].properties["node"] for s in line["stops"]}
            at = self.line.index(self.home)
            if at == len(self.line) - 1:
                self.line.reverse()
                at = 0
            self.route, self.state = self.line[at + 1:], "in_service"

    # -- reading -----------------------------------------------------------------------------
    def read(self, dt):
        self.advance(dt)
        lon, lat = geo.to_lonlat(*self.position())
        level_key = "battery" if self.electric else "fuel"
        values = {"lat": lat, "lon": lon, "speed": round(self.speed_kmh, 1),
                  "heading": self.heading, "occupancy": int(self.occupancy),
                  level_key: round(self.level, 2), "odometer": round(self.odometer, 3),
                  "state": self.state}
        if self.kind == "bus":  # passengers counted since the last reading
            values["boardings"], values["alightings"] = self.counted
            self.counted = [0, 0]
        return values

    def position(self) -> tuple[float, float]:
        x, y = self.city.xy(self.node)
        if not self.route:
            return x, y
        seg = self.city.segments[self.city.segment_between(self.node, self.route[0])]
        bx, by = self.city.xy(self.route[0])
        share = min(1.0, self.offset / max(seg.length_m, 1.0))
        return x + (bx - x) * share, y + (by - y) * share

    # -- movement ----------------------------------------------------------------------------
    def advance(self, dt: float) -> None:
        remaining, moved = dt, 0.0
        self.speed_kmh = 0.0
        for _ in range(10_000):
            if remaining <= 1e-6:
                break
            if self.kind == "fire_engine" and self.state == "available" and self._fire_call():
                continue
            if self.wait > 0:
                used = min(self.wait, remaining)
                self.wait -= used
                remaining -= used
                if self.state == "charging":
                    self.level = min(100.0, self.level + used / 60 * 2.0)
                self.speed_kmh = 0.0
                continue
            if not self.route:
                if not self.next_leg():
                    break
                continue
            segment = self.city.segment_between(self.node, self.route[0])
            speed = self.cruise_kmh(segment)
            left = self.city.segments[segment].length_m - self.offset
            step = speed / 3.6 * remaining
            self.speed_kmh = speed
            if step < left:
                self.offset += step
                moved += step
                remaining = 0.0
            else:
                remaining -= left / (speed / 3.6)
                moved += left
                self.node, self.offset = self.route.pop(0), 0.0
                self.arrive(self.node)
        if self.route:
            self.heading = geo.heading(self.city.xy(self.node), self.city.xy(self.route[0]))
        self.odometer += moved / 1000
        use = 0.32 if self.electric else USE_PER_KM.get(self.kind, 0.2)
        self.level = max(0.0, self.level - moved / 1000 * use)

    def cruise_kmh(self, segment: str) -> float:
        limit = self.city.segments[segment].speed_kmh
        traffic = self.world.segment(segment)[1]
        if self.state == "en_route":  # blue lights: through most of the queue
            return max(traffic, 0.8 * limit) * 1.1
        factor = {"bus": 0.85, "truck": 0.8}.get(self.kind, 0.95)
        return max(3.0, traffic * factor * (1 + self.rng.gauss(0, 0.04)))

    # -- what to do next ---------------------------------------------------------------------
    def next_leg(self) -> bool:
        """At the end of a route: plan the next one or wait; False when there is nothing to do."""
        return {"bus": self._bus_leg, "truck": self._truck_leg}.get(self.kind, self._unit_leg)()

    def arrive(self, node: str) -> None:
        if self.kind == "bus" and node in self.stops and self.route:
            self.wait, self.state = STOP_DWELL_S + self.rng.uniform(0, 20), "at_stop"
            capacity = self.meta.get("capacity", 80)
            target = capacity * (0.1 + 0.75 * self.world.traffic_level)
            before = int(self.occupancy)
            self.occupancy = min(capacity, max(0, round(
                self.occupancy + (target - self.occupancy) * 0.5 + self.rng.gauss(0, 4))))
            # The passenger counter at the doors: about a third get off, the rest of the
            # change gets on (no draw of its own, so the city's random stream is unchanged).
            off = min(before, round(0.3 * before))
            on = int(self.occupancy) - before + off
            if on < 0:
                off, on = off - on, 0
            self.counted[0] += on
            self.counted[1] += off
        elif self.kind == "truck" and node in self.collect:
            for bin_id in self.collect.pop(node):
                self.world.bin_fill[bin_id] = self.rng.uniform(1, 4)
                self.world.bin_claims.discard(bin_id)
                self.wait += COLLECT_S
            self.state = "collecting" if self.collect else "returning"
        elif self.state == "at_stop":
            self.state = "in_service"

    def _bus_leg(self) -> bool:
        if self.state == "layover" or self.state == "charging" or self.state == "out_of_service":
            self.line.reverse()
            self.route, self.state = self.line[1:], "in_service"
            return True
        self.occupancy = 0
        hour = self.world.hour
        if 1 <= hour < 5:
            self.wait, self.state = (5 - hour) * 3600, "out_of_service"
        elif self.electric and self.level < 40:
            self.wait, self.state = (95 - self.level) / 2.0 * 60, "charging"
        else:
            if self.level < 20:
                self.level = 100.0
            self.wait, self.state = LAYOVER_S, "layover"
        return True

    def _truck_leg(self) -> bool:
        if self.node != self.home:
            self.route, self.state = self.world.path(self.node, self.home)[1:], "returning"
            return True
        if self.level < 25:
            self.level = 100.0
        self.state = "idle"
        if 6 <= self.world.hour < 20 and self.world.weekday != 6 and self._plan_round():
            return True
        self.wait = 900.0
        return True

    def do_assign_route(self, bins, distance_km=None, collection_id=None):
        """Drive the platform's round next time at the depot, in its order."""
        if self.kind != "truck":
            raise CommandError(f"a {self.kind} collects no bins")
        known = [b for b in bins if b in self.world.bin_node]
        self.assigned = known
        return {"accepted": len(known), "unknown": [b for b in bins if b not in known]}

    def _plan_round(self) -> bool:
        w = self.world
        if self.assigned:
            tour = [b for b in self.assigned if b not in w.bin_claims]
            self.assigned = []
            return self._drive(tour) if tour else False
        due = [b for b, fill in w.bin_fill.items() if fill >= FULL_ENOUGH
               and b not in w.bin_claims and b in w.bin_node]
        if not due:
            return False
        tour, here = [], self.city.xy(self.home)
        while due and len(tour) < ROUND_SIZE:
            nearest = min(due, key=lambda b: geo.distance(here, self.city.xy(w.bin_node[b])))
            due.remove(nearest)
            tour.append(nearest)
            here = self.city.xy(w.bin_node[nearest])
        return self._drive(tour)

    def _drive(self, tour: list[str]) -> bool:
        w = self.world
        route, at = [], self.home
        for bin_id in tour:
            node = w.bin_node[bin_id]
            w.bin_claims.add(bin_id)
            self.collect.setdefault(node, []).append(bin_id)
            route += w.path(at, node)[1:]
            at = node
        if not route:  # every bin of the round stands at the depot
            self.arrive(self.home)
            return True
        self.route = route + w.path(at, self.home)[1:]
        self.state = "collecting"
        return True

    def _unit_leg(self) -> bool:
        if self.state == "en_route":
            self.wait, self.state = self.scene_until or self.rng.uniform(900, 2700), "on_scene"
            self.scene_until = None
            return True
        if self.node != self.home:
            self.route, self.state = self.world.path(self.node, self.home)[1:], "returning"
            if self.kind == "ambulance":
                self.occupancy = CREW["ambulance"] + 1
            return True
        if self.state != "available":
            self.state, self.occupancy = "available", CREW[self.kind]
            if self.level < 30:
                self.level = 100.0
            self.wait = self.rng.expovariate(1 / CALL_EVERY_S[self.kind])
            return True
        self._dispatch(self._random_destination())
        return True

    def _random_destination(self) -> str:
        x, y = self.city.xy(self.home)
        angle, radius = self.rng.uniform(0, 2 * math.pi), self.rng.uniform(400, 2500)
        x0, y0, x1, y1 = self.city.bounds
        tx = min(max(x + radius * math.cos(angle), x0), x1)
        ty = min(max(y + radius * math.sin(angle), y0), y1)
        return self.city.nearest_node(tx, ty)

    def _dispatch(self, node: str, on_scene_s: float | None = None) -> None:
        self.route = self.world.path(self.node, node)[1:]
        self.wait, self.state, self.scene_until = 0.0, "en_route", on_scene_s
        if not self.route:
            self._unit_leg()

    def _fire_call(self) -> bool:
        for index, event in enumerate(self.world.events):
            if (event.kind == "fire" and event.active(self.world.t)
                    and index not in self.world.dispatches):
                self.world.dispatches.add(index)
                node = self.city.nearest_node(event.x, event.y)
                self._dispatch(node, max(600.0, event.end - self.world.t))
                return True
        return False
