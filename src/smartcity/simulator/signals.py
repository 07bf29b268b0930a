"""What the city's sensors would read at a time: daily and weekly profiles, weather, traffic,
air quality, grid and water demand. Pure functions of time and plain inputs.

Times are UTC epoch seconds; the city keeps Central European (winter) time, UTC+1.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

UTC_OFFSET_H = 1
LATITUDE = 45.0
DAY = 86_400.0


def clock(t: float) -> tuple[float, int, int]:
    """(local hour 0-24, weekday 0=Monday, day of year) at time t."""
    local = datetime.fromtimestamp(t + UTC_OFFSET_H * 3600, UTC)
    hour = local.hour + local.minute / 60 + local.second / 3600
    return hour, local.weekday(), local.timetuple().tm_yday


def bump(hour: float, centre: float, width: float) -> float:
    """A bell on the 24-hour circle, 1 at `centre`."""
    d = (hour - centre + 12) % 24 - 12
    return math.exp(-0.5 * (d / width) ** 2)


# -- daily and weekly profiles ---------------------------------------------------------------
def traffic_profile(hour: float, weekday: int) -> float:
    """Traffic demand relative to the weekday peak hour (0.05-1): two rush hours on workdays."""
    if weekday < 5:
        level = (0.06 + 0.94 * bump(hour, 8.0, 1.0) + 0.88 * bump(hour, 17.6, 1.4)
                 + 0.45 * bump(hour, 13.0, 2.8))
        if weekday == 4:
            level += 0.12 * bump(hour, 19.5, 2.0)  # Friday evening
    else:
        scale = 0.85 if weekday == 5 else 0.6
        level = 0.06 + scale * (0.65 * bump(hour, 12.5, 3.2) + 0.35 * bump(hour, 18.5, 2.0))
    return min(level, 1.0)


def energy_profile(hour: float, weekday: int) -> float:
    """Residential and commercial load relative to the evening peak (0.3-1)."""
    morning = 8.5 if weekday >= 5 else 7.5
    business = 0.25 * bump(hour, 12.5, 3.0) * (1.0 if weekday < 5 else 0.5)
    return min(0.34 + 0.22 * bump(hour, morning, 1.3) + business
               + 0.58 * bump(hour, 19.7, 1.9), 1.0)


def _water_shape(hour: float, weekday: int) -> float:
    morning = 8.3 if weekday >= 5 else 7.2
    return (0.3 + 1.15 * bump(hour, morning, 1.2) + 0.45 * bump(hour, 12.8, 1.8)
            + 0.85 * bump(hour, 20.2, 1.8))


_WATER_MEAN = sum(_water_shape(h / 12, 2) for h in range(288)) / 288


def water_profile(hour: float, weekday: int) -> float:
    """Water demand relative to the daily mean: morning peak, minimum night flow near 3-4 h."""
    return _water_shape(hour, weekday) / _WATER_MEAN


def business_profile(hour: float, weekday: int) -> float:
    """Activity of offices and shops (0.2-1)."""
    open_ = 1.0 if weekday < 5 else (0.7 if weekday == 5 else 0.3)
    day = 1.0 / (1 + math.exp(-(hour - 8.0) * 2)) / (1 + math.exp((hour - 19.5) * 2))
    return 0.2 + 0.8 * open_ * day


# -- weather ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Weather:
    temperature: float  # °C
    humidity: float  # %
    pressure: float  # hPa
    wind_speed: float  # m/s
    wind_dir: float  # degrees
    rain_rate: float  # mm/h
    cloud: float  # 0-1
    irradiance: float  # W/m² on a horizontal plane
    sun_elevation: float  # degrees


def synoptic(t: float, seed: int, channel: int) -> float:
    """Slow, smooth weather variation in [-1, 1], different per seed and channel."""
    total = 0.0
    for k, period_days in enumerate((2.3, 4.1, 7.7)):
        phase = ((seed * 7919 + channel * 104_729 + k * 1_299_709) % 10_007) / 10_007 * 2 * math.pi
        total += math.sin(2 * math.pi * t / (period_days * DAY) + phase) / (k + 1.5)
    return total / 1.5


def sun_elevation(t: float) -> float:
    """Solar elevation in degrees at the city (declination and hour angle, within ~1°)."""
    hour, _weekday, yday = clock(t)
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + yday) / 365)
    solar_hour = hour - UTC_OFFSET_H + 7.0 / 15.0  # longitude 7° E
    angle = math.radians(15 * (solar_hour - 12))
    lat = math.radians(LATITUDE)
    sin_e = (math.sin(lat) * math.sin(declination)
             + math.cos(lat) * math.cos(declination) * math.cos(angle))
    return math.degrees(math.asin(max(-1.0, min(1.0, sin_e))))


def weather(t: float, seed: int) -> Weather:
    hour, _weekday, yday = clock(t)
    season = math.cos(2 * math.pi * (yday - 200) / 365)  # 1 in late July, -1 in January
    cloud = min(1.0, max(0.0, 0.45 + 0.5 * synoptic(t, seed, 1)
                         + 0.12 * math.sin(2 * math.pi * t / (0.37 * DAY) + seed)))
    mean = 12.5 + 10.5 * season + 3.5 * synoptic(t, seed, 2)
    swing = (4.5 + 2.0 * season) * (1 - 0.6 * cloud)
    temperature = mean + swing * math.cos(2 * math.pi * (hour - 15.0) / 24)
    elevation = sun_elevation(t)
    clear = 0.0
    if elevation > 0:
        s = math.sin(math.radians(elevation))
        clear = 1098 * s * math.exp(-0.057 / s)  # Haurwitz clear-sky model
    irradiance = clear * (1 - 0.75 * cloud ** 3.4)
    rain = max(0.0, (cloud - 0.78) * 18)
    wind = max(0.3, 3.2 + 2.4 * synoptic(t, seed, 3) + 1.1 * bump(hour, 14.5, 3.0))
    humidity = min(100.0, max(20.0, 68 - 2.2 * (temperature - mean) + 25 * (cloud - 0.45)
                              + (12 if rain > 0 else 0)))
    return Weather(round(temperature, 2), round(humidity, 1),
                   round(1015 - 14 * (cloud - 0.45) + 4 * synoptic(t, seed, 4), 1),
                   round(wind, 2), round((235 + 70 * synoptic(t, seed, 5)) % 360, 0),
                   round(rain, 2), round(cloud, 3), round(max(irradiance, 0.0), 1),
                   round(elevation, 2))


# -- traffic ---------------------------------------------------------------------------------
PEAK_DEMAND = {"ring": 0.92, "arterial": 0.88, "local": 0.55}  # peak-hour demand / capacity
VEHICLE_SPACE_M = 6.0  # effective vehicle length seen by a loop detector


def traffic(capacity_vph: float, lanes: int, free_kmh: float, road_class: str, profile: float,
            capacity_factor: float = 1.0) -> tuple[float, float, float]:
    """(flow veh/h, mean speed km/h, occupancy %) of one direction of a segment.

    Speed follows the BPR curve on demand over (possibly signal-limited) capacity; flow cannot
    exceed capacity; occupancy comes from density = flow / speed.
    """
    capacity = capacity_vph * capacity_factor
    demand = capacity_vph * PEAK_DEMAND[road_class] * profile
    ratio = demand / max(capacity, 1.0)
    speed = free_kmh * 0.92 / (1 + 0.15 * ratio ** 4)
    flow = min(demand, capacity)
    density = flow / max(speed, 1.0) / lanes  # vehicles per km per lane
    occupancy = min(95.0, density * VEHICLE_SPACE_M / 10)
    return flow, speed, occupancy


# -- air quality and noise -------------------------------------------------------------------
def air_quality(traffic_index: float, w: Weather, traffic_station: bool) -> dict:
    """Concentrations (µg/m³; CO mg/m³) from local traffic (0-1.2), wind, rain, sun, heating."""
    dispersion = 1.6 / (0.6 + 0.35 * w.wind_speed)
    washout = 1 / (1 + 0.35 * w.rain_rate)
    heating = max(0.0, 14 - w.temperature) / 14
    local = traffic_index * dispersion * (1.5 if traffic_station else 0.75)
    no2 = 11 + 42 * local + 8 * heating
    pm25 = (6 + 11 * local + 14 * heating * dispersion) * washout
    o3 = max(4.0, 22 + 0.085 * w.irradiance + 0.9 * max(w.temperature - 18, 0) - 0.35 * no2)
    return {"pm25": pm25, "pm10": pm25 * 1.55 + 4 * washout, "no2": no2, "o3": o3,
            "so2": 2.5 + 4 * heating, "co": 0.22 + 0.55 * local}


def noise(flow_vph: float) -> float:
    """Equivalent level LAeq in dB(A) beside a road carrying this flow."""
    return 41 + 10 * math.log10(1 + flow_vph / 12)


# -- energy ----------------------------------------------------------------------------------
def temperature_load_factor(temperature: float) -> float:
    """Heating below 12 °C and cooling above 24 °C raise electricity demand."""
    return 1 + 0.012 * max(0.0, 12 - temperature) + 0.02 * max(0.0, temperature - 24)


def solar_kw(capacity_kw: float, w: Weather) -> float:
    return capacity_kw * w.irradiance / 1000 * 0.84 * (1 - 0.004 * max(w.temperature - 25, 0))


def wind_kw(capacity_kw: float, w: Weather) -> float:
    """Power curve of a small turbine: cut-in 3 m/s, rated 12 m/s, cut-out 25 m/s at the hub."""
    hub = w.wind_speed * 1.45
    if hub < 3 or hub > 25:
        return 0.0
    return capacity_kw * min(1.0, ((hub - 3) / 9) ** 3)


# -- water -----------------------------------------------------------------------------------
BACKGROUND_LEAKAGE = 0.07  # share of mean demand lost in any network, day and night


def water_demand(mean_m3h: float, hour: float, weekday: int, temperature: float) -> float:
    warm = 1 + 0.01 * max(0.0, temperature - 20)
    return mean_m3h * (water_profile(hour, weekday) * warm + BACKGROUND_LEAKAGE)


def dma_pressure(target_bar: float, flow_m3h: float, mean_m3h: float, at_inlet: bool) -> float:
    """Pressure falls with the square-ish of flow (Hazen-Williams head loss, exponent 1.85)."""
    loss = (0.12 if at_inlet else 0.38) * (flow_m3h / max(mean_m3h, 1e-6)) ** 1.85
    return target_bar + (0.55 if at_inlet else 0.3) - loss


# -- lighting --------------------------------------------------------------------------------
def lights_needed(w: Weather) -> bool:
    return w.sun_elevation < 1.5 or w.irradiance < 25


def streetlight_w(rated_w: float, on: bool, dim_level: float) -> float:
    """LED driver: power roughly linear in dim level, with a small fixed loss."""
    return rated_w * (0.08 + 0.92 * dim_level / 100) if on else 0.0


def default_dim_level(hour: float) -> float:
    """Full light in the evening, 60 % in the dead of night (a common dimming schedule)."""
    return 60.0 if hour >= 23 or hour < 5 else 100.0
