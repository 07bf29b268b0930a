"""Device types, their default domain and the telemetry keys DESIGN assigns them."""

DOMAINS = ("traffic", "environment", "waste", "energy", "water", "transport", "emergency",
           "lighting", "infrastructure")

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
        "power": "kW", "energy": "kWh", "voltage": "V", "current": "A", "power_factor": ""}),
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


def default_domain(device_type: str) -> str:
    return DEVICE_TYPES[device_type][0]


# How the dashboard shows each key: a label, decimals, the range it can take, and how often a
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
PERCENT = (0, 100)
RANGES = {
    "humidity": PERCENT, "fill_level": PERCENT, "dim_level": PERCENT, "position": PERCENT,
    "soc": PERCENT, "fuel": PERCENT, "battery": PERCENT, "wind_dir": (0, 360),
    "heading": (0, 360), "lat": (-90, 90), "lon": (-180, 180), "ph": (0, 14),
    "power_factor": (0, 1), "eaqi": (1, 6), "aqi": (0, 500),
}
HOURLY = {"aqi", "eaqi", "laeq_1h"}
TEXT_KEYS = {"plan_id", "state"}
BOOL_KEYS = {"power_state"}


def key_info(device_type: str, key: str) -> dict:
    """How to label, format and bound one key of one device type."""
    unit = DEVICE_TYPES.get(device_type, ("", {}))[1].get(key, "")
    info = {"unit": unit, "label": KEY_LABELS.get(key, key.replace("_", " ").capitalize()),
            "kind": "text" if key in TEXT_KEYS else "bool" if key in BOOL_KEYS else "number",
            "decimals": TYPE_DECIMALS.get((device_type, key), DECIMALS.get(key, 2))}
    if (occupancy := device_type == "traffic_counter" and key == "occupancy") or key in RANGES:
        info["min"], info["max"] = PERCENT if occupancy else RANGES[key]
    if key in HOURLY:
        info["period"] = "hourly"
    return info


def describe() -> dict:
    """The catalogue the dashboard reads: domains, and per type its domain and keys."""
    return {"domains": list(DOMAINS), "types": {
        name: {"domain": domain, "keys": {key: key_info(name, key) for key in keys}}
        for name, (domain, keys) in DEVICE_TYPES.items()}}
