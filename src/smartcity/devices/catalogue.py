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
        "fuel": "%", "battery": "%", "odometer": "km", "state": "", "delay": "s",
        "boardings": "persons", "alightings": "persons"}),
    "streetlight": ("lighting", {"power_state": "", "dim_level": "%", "power": "W"}),
    "water_valve": ("water", {"position": "%", "flow": "m³/h"}),
    "battery": ("energy", {"soc": "%", "power": "kW", "energy": "kWh"}),
    "gateway": ("infrastructure", {}),
}

VEHICLE_KINDS = ("bus", "truck", "ambulance", "fire_engine", "police_car")

# Computed by the platform and written through the pipeline; never entered by hand.
DERIVED_KEYS = frozenset({"aqi", "eaqi", "laeq_1h", "noise_exceedance", "utilisation",
                          "delay"})
# Physical quantities below zero are a typo or a broken sensor, not a reading.
NON_NEGATIVE = frozenset({"pm25", "pm10", "no2", "o3", "so2", "co", "humidity", "pressure",
                          "wind_speed", "rain", "irradiance", "laeq", "lamax"})
RANGES = {"humidity": (0, 100), "wind_dir": (0, 360), "fill_level": (0, 100),
          "dim_level": (0, 100), "position": (0, 100), "soc": (0, 100), "fuel": (0, 100),
          "battery": (0, 100), "occupancy": (0, None), "boardings": (0, None),
          "alightings": (0, None), "aqi": (0, 500), "eaqi": (1, 6),
          "lat": (-90, 90), "lon": (-180, 180), "heading": (0, 360), "ph": (0, 14)}


def default_domain(device_type: str) -> str:
    return DEVICE_TYPES[device_type][0]


# How the dashboard shows each key: a label, its decimals, and how often a
# derived key is written (an hourly key has at most one point in the last hour).
KEY_LABELS = {
    "pm25": "PM2.5", "pm10": "PM10", "no2": "NO₂", "o3": "O₃", "so2": "SO₂", "co": "CO",
    "aqi": "US AQI", "eaqi": "EAQI", "laeq": "LAeq", "lamax": "LAmax", "laeq_1h": "LAeq 1 h",
    "noise_exceedance": "Noise exceedance", "wind_speed": "Wind speed",
    "wind_dir": "Wind direction", "cycle_s": "Cycle", "plan_id": "Plan", "fill_level": "Fill level",
    "power_factor": "Power factor", "ph": "pH", "lat": "Latitude", "lon": "Longitude",
    "power_state": "Power", "dim_level": "Dim level", "soc": "State of charge",
}
DECIMALS = {
    "pm25": 1, "pm10": 1, "no2": 1, "o3": 1, "so2": 1, "co": 2, "aqi": 0, "eaqi": 0, "laeq": 1,
    "lamax": 1, "laeq_1h": 1, "noise_exceedance": 1, "temperature": 1, "humidity": 0,
    "pressure": 1, "wind_speed": 1, "wind_dir": 0, "rain": 1, "irradiance": 0, "intensity": 0,
    "occupancy": 0, "speed": 0, "cycle_s": 0, "phase": 0, "fill_level": 0, "power": 1,
    "energy": 0, "voltage": 1, "current": 1, "power_factor": 2, "flow": 1, "volume": 0, "ph": 2,
    "turbidity": 2, "chlorine": 2, "lat": 5, "lon": 5, "heading": 0, "fuel": 0, "battery": 0,
    "odometer": 0, "dim_level": 0, "position": 0, "soc": 0,
}
TYPE_DECIMALS = {("pressure_sensor", "pressure"): 2, ("streetlight", "power"): 0}
HOURLY = frozenset({"aqi", "eaqi", "laeq_1h"})
TEXT_KEYS = frozenset({"plan_id", "state"})
BOOL_KEYS = frozenset({"power_state"})


def display(device_type: str, key: str) -> dict:
    """How the dashboard shows a key: label, kind, decimals, and "hourly" for hourly keys."""
    info = {"label": KEY_LABELS.get(key, key.replace("_", " ").capitalize()),
            "kind": "text" if key in TEXT_KEYS else "bool" if key in BOOL_KEYS else "number",
            "decimals": TYPE_DECIMALS.get((device_type, key), DECIMALS.get(key, 2))}
    if key in HOURLY:
        info["period"] = "hourly"
    return info


def unit_of(device_type: str, key: str) -> str:
    """The key's unit for this device type ("" when unitless or unknown)."""
    return DEVICE_TYPES.get(device_type, ("", {}))[1].get(key, "")


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
             "min": valid_range(key)[0], "max": valid_range(key)[1], **display(name, key)}
            for key, unit in keys.items()]})
    return {"domains": list(DOMAINS), "device_types": types,
            "derived_keys": sorted(DERIVED_KEYS)}
