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
