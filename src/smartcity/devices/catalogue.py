"""Device types, their default domain and the telemetry keys DESIGN assigns them, with the facts
about keys that validation and the UI need (derived or measured, valid range)."""

from smartcity.domains import NAMES as DOMAINS  # noqa: F401  (devices, alarms name one)

# type -> (default domain, keys with units)
DEVICE_TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "air_quality_station": ("environment", {
        "pm25": "µg/m³", "pm10": "µg/m³", "no2": "µg/m³", "o3": "µg/m³", "so2": "µg/m³",
        "co": "mg/m³", "aqi": "", "eaqi": ""}),
    "noise_sensor": ("environment", {"laeq": "dB(A)", "lamax": "dB(A)", "laeq_1h": "dB(A)",
                                     "noise_exceedance": "dB"}),
    "weather_station": ("environment", {
        "temperature": "°C", "humidity": "%", "pressure": "hPa", "wind_speed": "m/s",
        "wind_dir": "°", "rain": "mm", "irradiance": "W/m²"}),
    "traffic_counter": ("traffic", {"intensity": "veh/h", "occupancy": "%", "speed": "km/h"}),
    "traffic_signal": ("traffic", {"plan_id": "", "cycle_s": "s", "phase": ""}),
    "smart_bin": ("waste", {"fill_level": "%", "temperature": "°C"}),
    "energy_meter": ("energy", {
        "power": "kW", "energy": "kWh", "voltage": "V", "current": "A", "power_factor": "",
        "utilisation": "%"}),
    "generator": ("energy", {"power": "kW", "energy": "kWh"}),
    "water_meter": ("water", {"flow": "m³/h", "volume": "m³"}),
    "pressure_sensor": ("water", {"pressure": "bar"}),
    "water_quality_sensor": ("water", {"ph": "", "turbidity": "NTU", "chlorine": "mg/L"}),
    "vehicle": ("transport", {
        "lat": "°", "lon": "°", "speed": "km/h", "heading": "°", "occupancy": "persons",
        "fuel": "%", "battery": "%", "odometer": "km", "state": ""}),
    "streetlight": ("lighting", {"power_state": "", "dim_level": "%", "power": "W"}),
    "water_valve": ("water", {"position": "%", "flow": "m³/h"}),
    "battery": ("energy", {"soc": "%", "power": "kW", "energy": "kWh"}),
    "gateway": ("infrastructure", {}),
}

VEHICLE_KINDS = ("bus", "truck", "ambulance", "fire_engine", "police_car")

# Computed by the platform and written through the pipeline; never entered by hand.
DERIVED_KEYS = frozenset({"aqi", "eaqi", "laeq_1h", "noise_exceedance", "utilisation"})
# Physical quantities below zero are a typo or a broken sensor, not a reading.
NON_NEGATIVE = frozenset({"pm25", "pm10", "no2", "o3", "so2", "co", "humidity", "pressure",
                          "wind_speed", "rain", "irradiance", "laeq", "lamax"})
RANGES = {"humidity": (0, 100), "wind_dir": (0, 360), "fill_level": (0, 100),
          "dim_level": (0, 100), "position": (0, 100), "soc": (0, 100), "fuel": (0, 100),
          "battery": (0, 100), "occupancy": (0, None), "aqi": (0, 500), "eaqi": (1, 6)}


def default_domain(device_type: str) -> str:
    return DEVICE_TYPES[device_type][0]


def measured_keys(device_type: str) -> list[str]:
    """The keys a device of this type measures (what an operator may enter by hand)."""
    return [k for k in DEVICE_TYPES[device_type][1] if k not in DERIVED_KEYS]


def valid_range(key: str) -> tuple[float | None, float | None]:
    """(min, max) a value of the key may take; None is unbounded."""
    return RANGES.get(key, (0, None) if key in NON_NEGATIVE else (None, None))


def describe() -> dict:
    """The catalogue as GET /api/catalogue answers it."""
    from smartcity.devices.commands_catalogue import describe as commands

    types = []
    for name, (domain, keys) in DEVICE_TYPES.items():
        types.append({"type": name, "domain": domain, "commands": commands(name), "keys": [
            {"name": key, "unit": unit, "derived": key in DERIVED_KEYS,
             "min": valid_range(key)[0], "max": valid_range(key)[1]}
            for key, unit in keys.items()]})
    return {"domains": list(DOMAINS), "device_types": types,
            "derived_keys": sorted(DERIVED_KEYS)}
