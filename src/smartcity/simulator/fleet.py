"""A simulated fleet: the city, the shared world and the devices chosen to run (no I/O)."""

from smartcity.simulator.city import generate_city
from smartcity.simulator.devices import STATEFUL, make_device
from smartcity.simulator.placement import DeviceSpec
from smartcity.simulator.world import World


def select(specs: list[DeviceSpec], count: int | None) -> list[DeviceSpec]:
    """The first `count` devices taking each type in turn, so that every type is represented."""
    if count is None or count >= len(specs):
        return list(specs)
    by_type: dict[str, list[DeviceSpec]] = {}
    for spec in specs:
        by_type.setdefault(spec.type, []).append(spec)
    chosen: list[DeviceSpec] = []
    while len(chosen) < count:
        for group in by_type.values():
            if group and len(chosen) < count:
                chosen.append(group.pop(0))
    order = {spec.id: i for i, spec in enumerate(specs)}
    return sorted(chosen, key=lambda s: order[s.id])


class Fleet:
    def __init__(self, seed: int = 42, count: int | None = None, events=(), city=None,
                 ids=None):
        self.seed = seed
        self.city = city or generate_city(seed)
        self.world = World(self.city, seed, events)
        specs = select(self.city.devices, count) if ids is None else [
            spec for spec in self.city.devices if spec.id in set(ids)]
        self.devices = {spec.id: make_device(spec, self.world, seed) for spec in specs}

    def sample_all(self, t: float) -> list[tuple[str, dict]]:
        """Every device's reading at time t (gateways, which send none, are left out)."""
        readings = []
        for device in self.devices.values():
            values = device.sample(t)
            if values:
                readings.append((device.id, values))
        return readings

    def warm_up(self, times) -> None:
        """Run the stateful devices through `times` without sending anything, so that the live
        fleet continues exactly where a backfill over the same grid ends."""
        stateful = [d for d in self.devices.values() if d.spec.type in STATEFUL]
        for t in times:
            for device in stateful:
                device.sample(t)
