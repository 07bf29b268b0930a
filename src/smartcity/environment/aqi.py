"""Air quality indices as pure functions: US EPA AQI, European EAQI, AirNow NowCast.

US EPA AQI — "Technical Assistance Document for the Reporting of Daily Air Quality – the Air
Quality Index (AQI)", EPA-454/B-24-002, May 2024 (the TAD), which carries the PM2.5 breakpoints
revised with the 2024 PM NAAQS (89 FR 16202) and reports Hazardous as one 301–500 row:
  1. truncate the concentration (O3 ppm to 3 decimals, PM2.5 and CO to 1, PM10, SO2 and NO2 to
     integers);
  2. find the Table 6 row holding it and interpolate
     I = (I_hi − I_lo) / (BP_hi − BP_lo) · (C − BP_lo) + I_lo;
  3. round to the nearest integer (halves up); the AQI is the highest sub-index.
  Ozone: 8-hour values are the rule; 1-hour values count from 0.125 ppm and the higher of the two
  is reported; 8-hour values above 0.200 ppm define no index (the 301+ range is the 1-hour
  table's), so such a value alone reports 301 with beyond_index. SO2: the 1-hour table serves up
  to 304 ppb; the TAD bases AQI ≥ 201 on 24-hour SO2 (see so2_index), and the calculator applies
  the 305+ rows to the value it is given, saying so in a note. Above the top breakpoint the
  sub-index is reported as 500 (Hazardous) with beyond_index ("Beyond the AQI").
  Exact arithmetic (Decimal truncation, Fraction interpolation): binary floats would put 0.29
  below 0.29 and 35.45 on the wrong side of a half.

NowCast — AirNow's PM NowCast as the TAD describes it: the last 12 hourly means, weight factor
w = max(c_min / c_max, 0.5), NowCast = Σ w^(i−1)·c_i / Σ w^(i−1) over the hours present,
defined when at least 2 of the 3 most recent hours are.

EAQI — EEA European Air Quality Index with the bands revised in 2024 (ETC HE Report 2024/17,
"EEA's revision of the European air quality index bands", Table 5.2; WHO-2021-aligned, six levels
Good … Extremely poor): hourly concentrations in µg/m³ of PM2.5, PM10, NO2, O3 and SO2 (the
revision moved PM from 24-hour running means to hourly values). The published bands are integer
ranges ("0–5", "5–15", ...); we read each upper bound as inclusive: 5.0 is Good, 5.01 is Fair.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from smartcity.environment import advice

VERSION_EPA = "US EPA AQI, EPA-454/B-24-002 (May 2024)"
VERSION_EAQI = "EEA European Air Quality Index, 2024 bands (ETC HE Report 2024/17, Table 5.2)"
MAX_AQI = 500


@dataclass(frozen=True)
class Breakpoints:
    pollutant: str
    unit: str
    averaging: str
    decimals: int  # truncation before the lookup
    rows: tuple  # (BP_lo, BP_hi, I_lo, I_hi) as strings, lowest first
    beyond: int = MAX_AQI  # the index reported above the top row

    def row(self, c: Decimal):
        for lo, hi, i_lo, i_hi in self.rows:
            if Decimal(lo) <= c <= Decimal(hi):
                return Decimal(lo), Decimal(hi), i_lo, i_hi
        return None


INDEX_RANGES = ((0, 50), (51, 100), (101, 150), (151, 200), (201, 300), (301, 500))


def _rows(limits: str, first: int = 0) -> tuple:
    """"0-54 55-154 ..." as (BP_lo, BP_hi, I_lo, I_hi) rows, from the `first` category on."""
    pairs = [pair.split("-") for pair in limits.split()]
    return tuple((lo, hi, *INDEX_RANGES[first + i]) for i, (lo, hi) in enumerate(pairs))


# TAD Table 6 (2024). O3 1-hour starts at the USG row; O3 8-hour stops at Very Unhealthy.
EPA_TABLE = {
    "pm25": Breakpoints("pm25", "µg/m³", "24h", 1, _rows(
        "0.0-9.0 9.1-35.4 35.5-55.4 55.5-125.4 125.5-225.4 225.5-325.4")),
    "pm10": Breakpoints("pm10", "µg/m³", "24h", 0, _rows(
        "0-54 55-154 155-254 255-354 355-424 425-604")),
    "o3_8h": Breakpoints("o3_8h", "ppm", "8h", 3, _rows(
        "0.000-0.054 0.055-0.070 0.071-0.085 0.086-0.105 0.106-0.200"), beyond=301),
    "o3_1h": Breakpoints("o3_1h", "ppm", "1h", 3, _rows(
        "0.125-0.164 0.165-0.204 0.205-0.404 0.405-0.604", first=2)),
    "co": Breakpoints("co", "ppm", "8h", 1, _rows(
        "0.0-4.4 4.5-9.4 9.5-12.4 12.5-15.4 15.5-30.4 30.5-50.4")),
    "so2": Breakpoints("so2", "ppb", "1h", 0, _rows(
        "0-35 36-75 76-185 186-304 305-604 605-1004")),
    "no2": Breakpoints("no2", "ppb", "1h", 0, _rows(
        "0-53 54-100 101-360 361-649 650-1249 1250-2049")),
}
EPA_POLLUTANTS = tuple(EPA_TABLE)  # also the tie-break order for the dominant pollutant
O3_1H_FLOOR = Decimal("0.125")
SO2_24H_FROM = 305  # ppb: from here the TAD bases the SO2 index on 24-hour means


@dataclass(frozen=True)
class SubIndex:
    value: int
    concentration: Decimal  # truncated
    beyond: bool = False


class NoIndex(ValueError):
    """The concentration is below the table (1-hour O3 under 0.125 ppm): no sub-index."""


def truncate(concentration, decimals: int) -> Decimal:
    """Cut (never round) to the table's precision, exactly."""
    value = concentration if isinstance(concentration, Decimal) else Decimal(str(concentration))
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN)


def round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def interpolate(c: Decimal, lo: Decimal, hi: Decimal, i_lo: int, i_hi: int) -> int:
    """TAD equation 1, exactly, rounded to an integer."""
    index = Fraction(i_hi - i_lo) / (Fraction(hi) - Fraction(lo)) * (Fraction(c) - Fraction(lo))
    return round_half_up(index + i_lo)


def sub_index(pollutant: str, concentration) -> SubIndex:
    """One pollutant's index from a concentration in the table's unit (ppm/ppb/µg/m³)."""
    table = EPA_TABLE[pollutant]
    c = truncate(concentration, table.decimals)
    if c < 0:
        raise ValueError(f"{pollutant} must not be negative")
    row = table.row(c)
    if row is not None:
        return SubIndex(interpolate(c, *row), c)
    if c > Decimal(table.rows[-1][1]):
        return SubIndex(table.beyond, c, beyond=True)
    raise NoIndex(f"{pollutant} below {table.rows[0][0]} {table.unit} defines no index")


def so2_index(c_1h, c_24h=None) -> SubIndex:
    """SO2 at a station: 1-hour values up to 304 ppb; from 305 ppb the 24-hour mean on the
    305+ rows, and 200 when that mean is below 305 ppb (TAD, "Calculating AQI values for SO2")."""
    hourly = sub_index("so2", c_1h)
    if hourly.concentration < SO2_24H_FROM or c_24h is None:
        return hourly
    daily = sub_index("so2", c_24h)
    if daily.concentration < SO2_24H_FROM:
        return SubIndex(200, daily.concentration)
    return daily


def epa_aqi(concentrations: dict, notes: list | None = None,
            indices: dict[str, SubIndex] | None = None) -> dict | None:
    """The AQI of any subset of EPA_POLLUTANTS (ppm/ppb/µg/m³ as the TAD tabulates them).

    `indices` may hold sub-indices computed elsewhere (a station's SO2). None when no pollutant
    defines an index.
    """
    notes = [] if notes is None else notes
    found: dict[str, SubIndex] = dict(indices or {})
    for pollutant in EPA_POLLUTANTS:
        if pollutant in found or concentrations.get(pollutant) is None:
            continue
        try:
            found[pollutant] = sub_index(pollutant, concentrations[pollutant])
        except NoIndex as exc:
            notes.append(f"{exc}; the 8-hour value decides")
            continue
        if pollutant == "so2" and found[pollutant].concentration >= SO2_24H_FROM:
            notes.append("so2 ≥ 305 ppb: the TAD bases such indices on 24-hour SO2; the value "
                         "given was read on the 305+ rows as if it were one")
        if pollutant == "o3_8h" and found[pollutant].beyond:
            notes.append("o3_8h above 0.200 ppm: 8-hour ozone defines no index above 300; the "
                         "1-hour value (o3_1h) quantifies it")
    if not found:
        return None
    ordered = {p: found[p] for p in EPA_POLLUTANTS if p in found}
    aqi = max(s.value for s in ordered.values())
    dominant = next(p for p, s in ordered.items() if s.value == aqi)
    category = advice.epa_category(aqi)
    return {"standard": "epa", "version": VERSION_EPA, "aqi": aqi, "category": category.name,
            "color": category.color, "dominant_pollutant": dominant,
            "sub_indices": {p: s.value for p, s in ordered.items()},
            "concentrations": {p: float(s.concentration) for p, s in ordered.items()},
            "units": {p: EPA_TABLE[p].unit for p in ordered},
            "beyond_index": any(s.beyond for s in ordered.values()),
            "advice": category.advice, "sensitive_groups": advice.sensitive_groups(dominant),
            "notes": notes}


# -- EAQI --------------------------------------------------------------------------------------

EAQI_BANDS = {  # upper bounds of levels 1-5 in µg/m³; above the last is level 6
    "pm25": (5, 15, 50, 90, 140),
    "pm10": (15, 45, 120, 195, 270),
    "no2": (10, 25, 60, 100, 150),
    "o3": (60, 100, 120, 160, 180),
    "so2": (20, 40, 125, 190, 275),
}
EAQI_POLLUTANTS = tuple(EAQI_BANDS)


def eaqi_level(pollutant: str, concentration: float) -> int:
    """1 (Good) .. 6 (Extremely poor) for an hourly concentration in µg/m³."""
    if concentration < 0:
        raise ValueError(f"{pollutant} must not be negative")
    for level, upper in enumerate(EAQI_BANDS[pollutant], start=1):
        if concentration <= upper:
            return level
    return 6


def eaqi(concentrations: dict) -> dict | None:
    """The EAQI of any subset of EAQI_POLLUTANTS (µg/m³): the worst pollutant's level."""
    levels = {p: eaqi_level(p, float(concentrations[p])) for p in EAQI_POLLUTANTS
              if concentrations.get(p) is not None}
    if not levels:
        return None
    worst = max(levels.values())
    dominant = next(p for p, v in levels.items() if v == worst)
    level = advice.EAQI_LEVELS[worst - 1]
    return {"standard": "eaqi", "version": VERSION_EAQI, "level": worst, "category": level.name,
            "color": level.color, "dominant_pollutant": dominant, "sub_levels": levels,
            "concentrations": {p: float(concentrations[p]) for p in levels},
            "advice": level.general, "advice_sensitive": level.sensitive}


# -- NowCast -----------------------------------------------------------------------------------

NOWCAST_HOURS = 12
PM_MIN_WEIGHT = 0.5


def nowcast(hourly, min_weight: float = PM_MIN_WEIGHT) -> float | None:
    """AirNow NowCast from hourly means, most recent first (None marks a missing hour).

    None unless at least 2 of the 3 most recent hours are present.
    """
    values = list(hourly)[:NOWCAST_HOURS]
    if sum(v is not None for v in values[:3]) < 2:
        return None
    present = [v for v in values if v is not None]
    high, low = max(present), min(present)
    weight = max(low / high, min_weight) if high > 0 else 1.0
    numerator = sum(weight ** i * v for i, v in enumerate(values) if v is not None)
    denominator = sum(weight ** i for i, v in enumerate(values) if v is not None)
    return numerator / denominator
