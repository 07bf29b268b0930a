"""The simulated device: it advances its own state, reads the shared world, and obeys the
commands (devices.commands_catalogue) and desired configuration the platform sends."""

import random

from smartcity.simulator import inject
from smartcity.simulator.placement import DeviceSpec
from smartcity.simulator.world import REFERENCE_EPOCH, World

INTERVAL_S = {  # seconds of simulated time between two readings
    "air_quality_station": 60, "noise_sensor": 60, "weather_station": 60,
    "traffic_counter": 60, "traffic_signal": 30, "smart_bin": 600, "energy_meter": 60,
    "generator": 60, "battery": 60, "water_meter": 60, "pressure_sensor": 60,
    "water_quality_sensor": 300, "water_valve": 60, "vehicle": 10, "streetlight": 300,
    "gateway": 60}


class CommandError(Exception):
    pass


class SimDevice:
    decimals = 2

    def __init__(self, spec: DeviceSpec, world: World, seed: int):
        self.spec, self.world = spec, world
        self.id, self.meta = spec.id, spec.metadata
        self.rng = random.Random(f"{seed}:{spec.id}")
        self.interval_s = INTERVAL_S[spec.type]
        self.last_t: float | None = None
        self.last_good: dict | None = None
        self.reported: dict = {}

    def sample(self, t: float) -> dict:
        """Advance to time t and return the reading {key: value} (empty: nothing to send)."""
        self.world.at(t)
        dt = self.interval_s if self.last_t is None else max(0.0, t - self.last_t)
        self.last_t = t
        values = {k: round(v, self.decimals) if isinstance(v, float) else v
                  for k, v in self.read(dt).items()}
        faulty = inject.sensor_fault(self.world.events, self.id, t, values, self.last_good)
        if faulty is values:
            self.last_good = values
        return faulty

    def read(self, dt: float) -> dict:
        raise NotImplementedError

    def jitter(self, value: float, share: float) -> float:
        return value * (1 + self.rng.gauss(0, share))

    def since_reference(self, t: float) -> float:
        return max(0.0, t - REFERENCE_EPOCH) / 3600

    # -- control -----------------------------------------------------------------------------
    def command(self, name: str, params: dict) -> dict:
        """Carry out a command; return its result or raise CommandError."""
        if name == "ping":
            return {"pong": True}
        if name == "reboot":
            return {"rebooted": True}
        handler = getattr(self, f"do_{name}", None)
        if handler is None:
            raise CommandError(f"{self.spec.type} cannot {name}")
        return handler(**params)

    def configure(self, config: dict) -> dict:
        """Apply desired configuration; return what is now in effect (reported attributes)."""
        if isinstance(config.get("report_interval_s"), int | float) and config[
                "report_interval_s"] >= 1:
            self.interval_s = float(config["report_interval_s"])
            self.reported["report_interval_s"] = config["report_interval_s"]
        for key, value in config.items():
            setter = getattr(self, f"set_{key}", None)
            if setter is not None:
                setter(value)
                self.reported[key] = value
        return dict(self.reported)
