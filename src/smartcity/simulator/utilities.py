"""Grid, water and lighting devices of the demo city."""

import math

from smartcity.simulator import signals
from smartcity.simulator.base import SimDevice


class EnergyMeter(SimDevice):
    def __init__(self, spec, world, seed):
        super().__init__(spec, world, seed)
        self.head = spec.metadata.get("role") == "feeder_head"
        self.nominal = 20_000.0 if self.head else 230.0
        self.mean_kw = (spec.metadata["peak_kw"] * 0.58 if self.head
                        else spec.metadata["base_kw"] * 0.6)
        self.energy = None

    def read(self, dt):
        w = self.world
        factor = signals.temperature_load_factor(w.weather().temperature)
        if self.head:
            peak = self.meta["peak_kw"]
            load = peak * signals.energy_profile(w.hour, w.weekday) * factor
            power = self.jitter(load, 0.015) - w.generation_kw(self.spec.asset_id)
            ratio = load / peak
        else:
            power = self.jitter(self.meta["base_kw"] * (
                0.45 + 0.55 * signals.business_profile(w.hour, w.weekday)) * factor, 0.03)
            ratio = power / self.meta["base_kw"]
        voltage = self.nominal * (1.012 - 0.035 * ratio + self.rng.gauss(0, 0.002))
        power_factor = min(0.99, 0.985 - 0.05 * ratio + self.rng.gauss(0, 0.003))
        phases = math.sqrt(3) if self.head else 3.0  # line voltage at MV, phase voltage at LV
        if self.energy is None:
            self.energy = self.mean_kw * self.since_reference(w.t)
        self.energy += max(power, 0.0) * dt / 3600
        return {"power": power, "energy": self.energy, "voltage": voltage,
                "current": abs(power) * 1000 / (phases * voltage * power_factor),
                "power_factor": power_factor}


class Generator(SimDevice):
    def __init__(self, spec, world, seed):
        super().__init__(spec, world, seed)
        self.energy = None

    def read(self, dt):
        w, capacity = self.world.weather(), self.meta["capacity_kw"]
        if self.meta["kind"] == "solar":
            power = signals.solar_kw(capacity, w) * (1 + self.rng.gauss(0, 0.015))
        else:
            power = signals.wind_kw(capacity, w) * (1 + self.rng.gauss(0, 0.05))
        power = max(0.0, min(capacity, power))
        if self.energy is None:
            self.energy = capacity * 0.15 * self.since_reference(self.world.t)
        self.energy += power * dt / 3600
        return {"power": power, "energy": self.energy}


class Battery(SimDevice):
    def __init__(self, spec, world, seed):
        super().__init__(spec, world, seed)
        self.capacity, self.max_kw = spec.metadata["capacity_kwh"], spec.metadata["max_kw"]
        self.soc = self.rng.uniform(40, 70)
        self.manual: tuple[float, float] | None = None  # (kW, until t); + discharges
        self.throughput = None

    def scheduled_kw(self) -> float:
        """Charge from midday solar, discharge into the evening peak."""
        hour = self.world.hour
        if 10 <= hour < 15:
            return -0.5 * self.max_kw
        if 17.5 <= hour < 21.5:
            return 0.8 * self.max_kw
        return 0.0

    def read(self, dt):
        t = self.world.t
        if self.manual and t >= self.manual[1]:
            self.manual = None
        power = self.manual[0] if self.manual else self.scheduled_kw()
        if (power > 0 and self.soc <= 10) or (power < 0 and self.soc >= 95):
            power = 0.0
        self.soc = min(100.0, max(0.0, self.soc - power * dt / 3600 / self.capacity * 100
                                  * (1.05 if power > 0 else 0.95)))
        if self.throughput is None:
            self.throughput = self.max_kw * 0.25 * self.since_reference(t)
        self.throughput += abs(power) * dt / 3600
        return {"soc": self.soc, "power": power, "energy": self.throughput}

    def do_charge(self, power_kw, duration_s=3600):
        self.manual = (-min(power_kw, self.max_kw), self.world.t + duration_s)
        return {"power_kw": self.manual[0], "until": self.manual[1]}

    def do_discharge(self, power_kw, duration_s=3600):
        self.manual = (min(power_kw, self.max_kw), self.world.t + duration_s)
        return {"power_kw": self.manual[0], "until": self.manual[1]}


class WaterMeter(SimDevice):
    def __init__(self, spec, world, seed):
        super().__init__(spec, world, seed)
        self.inlet = spec.metadata.get("role") == "inlet"
        self.volume = None

    def read(self, dt):
        w = self.world
        if self.inlet:
            flow = self.jitter(w.dma_flow(self.spec.asset_id), 0.015)
            mean = w.dma_mean(self.spec.asset_id)
        else:
            mean = self.meta["base_m3h"]
            flow = self.jitter(mean * (0.4 + 0.6 * signals.business_profile(w.hour, w.weekday)),
                               0.04)
        flow = max(0.0, flow)
        if self.volume is None:
            self.volume = mean * self.since_reference(w.t)
        self.volume += flow * dt / 3600
        return {"flow": flow, "volume": self.volume}


class PressureSensor(SimDevice):
    decimals = 3

    def read(self, dt):
        at_inlet = self.meta.get("point") == "inlet"
        pressure = self.world.dma_pressure(self.spec.asset_id, at_inlet)
        return {"pressure": max(0.0, pressure + self.rng.gauss(0, 0.015))}


class WaterQuality(SimDevice):
    decimals = 3

    def read(self, dt):
        w = self.world
        ratio = w.dma_flow(self.spec.asset_id) / w.dma_mean(self.spec.asset_id)
        age = 1 - min(ratio, 1.6) / 1.6  # slow night flow: older water, less chlorine left
        return {"ph": 7.45 + self.rng.gauss(0, 0.03),
                "turbidity": max(0.05, 0.18 + 0.08 * ratio + 0.04 * w.weather().rain_rate
                                 + self.rng.gauss(0, 0.02)),
                "chlorine": max(0.05, 0.58 - 0.22 * age + self.rng.gauss(0, 0.01))}


class WaterValve(SimDevice):
    def read(self, dt):
        dma = self.spec.asset_id
        return {"position": self.world.valve_position.get(dma, 100.0),
                "flow": max(0.0, self.jitter(self.world.dma_flow(dma), 0.01))}

    def do_set_position(self, position):
        self.world.valve_position[self.spec.asset_id] = float(position)
        self.reported["position"] = float(position)
        return {"position": float(position)}

    def set_position(self, position):
        if isinstance(position, int | float) and 0 <= position <= 100:
            self.do_set_position(position)


class Streetlight(SimDevice):
    """On from dusk to dawn on a dimming schedule, unless told otherwise."""

    decimals = 1

    def __init__(self, spec, world, seed):
        super().__init__(spec, world, seed)
        self.dim_override: float | None = None
        self.power_override: bool | None = None

    def state(self) -> tuple[bool, float]:
        w = self.world
        on = signals.lights_needed(w.weather()) if self.power_override is None \
            else self.power_override
        dim = self.dim_override if self.dim_override is not None \
            else signals.default_dim_level(w.hour)
        return on, dim

    def read(self, dt):
        on, dim = self.state()
        power = signals.streetlight_w(self.meta.get("rated_w", 120), on, dim)
        return {"power_state": on, "dim_level": float(dim) if on else 0.0,
                "power": max(0.0, power * (1 + self.rng.gauss(0, 0.01))) if on else 0.0}

    def do_set_dim_level(self, level):
        self.dim_override = float(level)
        self.reported["dim_level"] = float(level)
        return {"dim_level": float(level)}

    def do_set_power_state(self, on):
        self.power_override = bool(on)
        self.reported["power_state"] = bool(on)
        return {"power_state": bool(on)}

    def set_dim_level(self, level):
        if level in (None, "auto"):
            self.dim_override = None
        elif isinstance(level, int | float) and 0 <= level <= 100:
            self.do_set_dim_level(level)

    def set_power_state(self, on):
        self.power_override = None if on in (None, "auto") else bool(on)


class Gateway(SimDevice):
    """Sends no readings of its own; forwards its children's over HTTP (see transports)."""

    def read(self, dt):
        return {}
