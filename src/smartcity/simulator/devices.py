"""Build the simulated device for each placed device spec."""

from smartcity.simulator import sensors, utilities, vehicles
from smartcity.simulator.base import SimDevice
from smartcity.simulator.placement import DeviceSpec
from smartcity.simulator.world import World

CLASSES: dict[str, type[SimDevice]] = {
    "air_quality_station": sensors.AirQuality, "noise_sensor": sensors.Noise,
    "weather_station": sensors.WeatherStation, "traffic_counter": sensors.TrafficCounter,
    "traffic_signal": sensors.TrafficSignal, "smart_bin": sensors.SmartBin,
    "energy_meter": utilities.EnergyMeter, "generator": utilities.Generator,
    "battery": utilities.Battery, "water_meter": utilities.WaterMeter,
    "pressure_sensor": utilities.PressureSensor, "water_quality_sensor": utilities.WaterQuality,
    "water_valve": utilities.WaterValve, "streetlight": utilities.Streetlight,
    "gateway": utilities.Gateway, "vehicle": vehicles.Vehicle,
}
# Types whose state carries over from one reading to the next (fill, position, meter totals).
STATEFUL = {"smart_bin", "energy_meter", "generator", "battery", "water_meter", "vehicle"}


def make_device(spec: DeviceSpec, world: World, seed: int) -> SimDevice:
    return CLASSES[spec.type](spec, world, seed)
