"""A station's indices from its hourly means (pure): averaging windows, units, NowCast.

Input: {key: [hourly mean, ...]} in storage units (µg/m³; CO mg/m³), the most recent complete
hour first, None where an hour has no reading. Windows, as the TAD and AirNow use them:
  PM2.5, PM10  NowCast of the last 12 hours (the current AQI, as AirNow shows it) and the 24-hour
               mean (at least 18 of 24 hours, the daily AQI);
  O3           8-hour mean (at least 6 of 8 hours), and the last hour when it reaches 0.125 ppm;
  CO           8-hour mean (at least 6 of 8 hours);
  NO2, SO2     the last hour; SO2 from 305 ppb uses the 24-hour mean (aqi.so2_index).
EAQI: the last hour of each pollutant (the 2024 bands are hourly for all five).
Gases are converted at 25 °C and 1 atm (DESIGN): µg/m³ per ppb O3 1.96, NO2 1.88, SO2 2.62;
CO 1.145 mg/m³ per ppm.
"""

from decimal import Decimal

from smartcity.environment import aqi

UG_PER_PPB = {"o3": Decimal("1.96"), "no2": Decimal("1.88"), "so2": Decimal("2.62")}
MG_PER_PPM_CO = Decimal("1.145")
POLLUTANT_KEYS = ("pm25", "pm10", "o3", "co", "so2", "no2")
HOURS = 24


def clean(value: float) -> Decimal:
    """A float mean as a Decimal without binary noise (35.899999999999 -> 35.9), so that
    truncation cuts where the reading's digits say."""
    return Decimal(str(round(value, 9)))


def mean(values, need: int) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if len(present) >= need else None


def ppm(key: str, ug_m3) -> Decimal:
    return clean(ug_m3) / UG_PER_PPB[key] / 1000


def ppb(key: str, ug_m3) -> Decimal:
    return clean(ug_m3) / UG_PER_PPB[key]


def _series(series: dict, key: str) -> list:
    values = list(series.get(key) or [])
    return values + [None] * (HOURS - len(values))


def window_concentrations(series: dict) -> dict:
    """Each window's concentration in the unit the TAD tabulates it (None when incomplete)."""
    pm25, pm10, o3, co, so2, no2 = (_series(series, k) for k in POLLUTANT_KEYS)
    windows = {
        "pm25": aqi.nowcast(pm25), "pm10": aqi.nowcast(pm10),
        "pm25_24h": mean(pm25, 18), "pm10_24h": mean(pm10, 18),
        "o3_8h": mean(o3[:8], 6), "o3_1h": o3[0], "co": mean(co[:8], 6),
        "so2": so2[0], "so2_24h": mean(so2, 18), "no2": no2[0],
    }
    converted = {}
    for name, value in windows.items():
        if value is None:
            converted[name] = None
        elif name.startswith("pm"):
            converted[name] = clean(value)
        elif name.startswith("o3"):
            converted[name] = ppm("o3", value)
        elif name == "co":
            converted[name] = clean(value) / MG_PER_PPM_CO
        else:
            converted[name] = ppb(name.split("_")[0], value)
    return converted


def _epa(windows: dict, pm_suffix: str) -> dict | None:
    concentrations = {p: windows[f"{p}{pm_suffix}"] for p in ("pm25", "pm10")}
    concentrations["o3_8h"] = windows["o3_8h"]
    if windows["o3_1h"] is not None and windows["o3_1h"] >= aqi.O3_1H_FLOOR:
        concentrations["o3_1h"] = windows["o3_1h"]
    concentrations["co"] = windows["co"]
    concentrations["no2"] = windows["no2"]
    indices = {}
    if windows["so2"] is not None:
        indices["so2"] = aqi.so2_index(windows["so2"], windows["so2_24h"])
    return aqi.epa_aqi(concentrations, indices=indices)


AVERAGING = {"pm25": "NowCast (12 h)", "pm10": "NowCast (12 h)", "o3_8h": "8 h", "o3_1h": "1 h",
             "co": "8 h", "so2": "1 h", "no2": "1 h"}
AVERAGING_24H = {**AVERAGING, "pm25": "24 h", "pm10": "24 h"}


def station_indices(series: dict) -> dict:
    """{"aqi": current EPA AQI (NowCast PM), "aqi_24h": with 24-hour PM, "eaqi": hourly EAQI};
    each None when no pollutant has enough data."""
    windows = window_concentrations(series)
    current, daily = _epa(windows, ""), _epa(windows, "_24h")
    for result, averaging in ((current, AVERAGING), (daily, AVERAGING_24H)):
        if result is not None:
            result["averaging"] = {p: averaging[p] for p in result["sub_indices"]}
    hourly = {key: _series(series, key)[0] for key in aqi.EAQI_POLLUTANTS}
    return {"aqi": current, "aqi_24h": daily, "eaqi": aqi.eaqi(hourly)}
