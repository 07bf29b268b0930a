"""Environment, traffic and waste sensors of the demo city."""

from smartcity.simulator import inject, signals
from smartcity.simulator.base import CommandError, SimDevice
from smartcity.simulator.world import PLANS, signal_phase


class AirQuality(SimDevice):
    def read(self, dt):
        segment = self.meta.get("segment")
        if segment:
            flow = self.world.segment(segment)[0]
            index = flow / self.world.city.segments[segment].capacity_vph
        else:
            index = 0.55 * self.world.traffic_level
        values = signals.air_quality(index, self.world.weather(), bool(segment))
        values = {k: max(0.0, self.jitter(v, 0.05)) for k, v in values.items()}
        values = inject.air_quality(self.world.events, self.spec.x, self.spec.y, self.world.t,
                                    values)
        return {k: round(v, 3 if k == "co" else 1) for k, v in values.items()}


class Noise(SimDevice):
    decimals = 1

    def read(self, dt):
        flow = 2 * self.world.segment(self.meta["segment"])[0]
        laeq = signals.noise(flow) + self.rng.gauss(0, 0.8)
        return {"laeq": laeq, "lamax": laeq + 7 + abs(self.rng.gauss(0, 4))}


class WeatherStation(SimDevice):
    def read(self, dt):
        w, t = self.world.weather(), self.world.t
        heat = inject.heat_c(self.world.events, self.spec.x, self.spec.y, t)
        return {"temperature": w.temperature + self.rng.gauss(0, 0.15) + heat,
                "humidity": min(100.0, w.humidity + self.rng.gauss(0, 1)),
                "pressure": w.pressure + self.rng.gauss(0, 0.1),
                "wind_speed": max(0.0, w.wind_speed + self.rng.gauss(0, 0.3)),
                "wind_dir": round((w.wind_dir + self.rng.gauss(0, 8)) % 360),
                "rain": w.rain_rate * dt / 3600,
                "irradiance": max(0.0, w.irradiance * (1 + self.rng.gauss(0, 0.02)))}


class TrafficCounter(SimDevice):
    decimals = 1

    def read(self, dt):
        flow, speed, occupancy = self.world.segment(self.spec.asset_id)
        return {"intensity": float(round(max(0.0, self.jitter(flow, 0.05)))),
                "occupancy": min(100.0, max(0.0, occupancy + self.rng.gauss(0, 0.6))),
                "speed": max(1.0, speed + self.rng.gauss(0, 1.5))}


class TrafficSignal(SimDevice):
    def read(self, dt):
        plan = self.world.plan_at(self.spec.asset_id)
        return {"plan_id": plan["plan_id"], "cycle_s": plan["cycle_s"],
                "phase": signal_phase(plan, self.world.t)}

    def do_apply_plan(self, plan_id, cycle_s=None, greens_s=None):
        base = PLANS.get(plan_id, PLANS["day"])
        cycle = cycle_s or base["cycle_s"]
        greens = greens_s or [round(g * cycle / base["cycle_s"]) for g in base["greens_s"]]
        if sum(greens) > cycle:
            raise CommandError("greens_s exceed cycle_s")
        plan = {"plan_id": plan_id, "cycle_s": cycle, "greens_s": list(greens)}
        self.world.signal_override[self.spec.asset_id] = plan
        self.reported["plan_id"] = plan_id
        return {"applied": plan}

    def set_plan_id(self, plan_id):
        if plan_id in (None, "auto"):
            self.world.signal_override.pop(self.spec.asset_id, None)
        else:
            self.do_apply_plan(str(plan_id))


class SmartBin(SimDevice):
    decimals = 1
    RATE = {"mixed": 2.0, "paper": 1.2, "plastic": 1.5, "glass": 0.6}  # %/h for 1100 L, average
    DISTRICT = {"commercial": 1.5, "mixed": 1.1, "residential": 1.0, "industrial": 0.6}

    def __init__(self, spec, world, seed):
        super().__init__(spec, world, seed)
        kind = world.district_kind(spec.x, spec.y)
        size = (spec.metadata.get("capacity_l", 1100) / 1100) ** 0.7
        self.rate = (self.RATE[spec.metadata.get("stream", "mixed")] * self.DISTRICT[kind] / size
                     * self.rng.uniform(0.7, 1.3))
        world.bin_fill[spec.id] = self.rng.uniform(3, 65)
        world.bin_node[spec.id] = world.city.assets[spec.asset_id].properties["node"]

    def read(self, dt):
        w = self.world
        activity = 0.3 + 0.7 * signals.business_profile(w.hour, w.weekday)
        fill = min(100.0, w.bin_fill[self.id] + self.rate * activity * dt / 3600 * 1.25)
        w.bin_fill[self.id] = fill
        heat = inject.heat_c(w.events, self.spec.x, self.spec.y, w.t)
        weather = w.weather()
        return {"fill_level": min(100.0, max(0.0, fill + self.rng.gauss(0, 0.4))),
                "temperature": weather.temperature + 1.5 + weather.irradiance / 250 + heat}

    def do_reset_fill_level(self):
        self.world.bin_fill[self.id] = 0.0
        return {"fill_level": 0.0}
