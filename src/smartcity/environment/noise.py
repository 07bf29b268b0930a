"""Noise indicators as pure functions: equivalent levels, Lden, limits per district type.

- LAeq over a period: the energy mean 10·lg(mean(10^(L/10))) of equal-length samples (our noise
  sensors send 1-minute LAeq values).
- Lden, Directive 2002/49/EC (END) Annex I:
  Lden = 10·lg((12·10^(Ld/10) + 4·10^((Le+5)/10) + 8·10^((Ln+10)/10)) / 24),
  day 07–19, evening 19–23, night 23–07 in the city's local time. The Lden of day D runs from
  07:00 on D to 07:00 on D+1, so its night is the one that follows its day.
- Exceedance: an hour's LAeq above the limit of that hour's period for the district's type.
  Default limits follow the day/night immission limits of acoustic zoning classes (e.g. Italy's
  DPCM 14 Nov 1997: class II residential 55/45, III mixed 60/50, IV intense activity 65/55,
  V industrial 70/60 dB(A)), with the evening limit 5 dB below the day one, as the END's evening
  penalty weighs it. Cities configure their own (ENVIRONMENT_NOISE_LIMITS).
"""

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PERIODS = {"day": (7, 19), "evening": (19, 23), "night": (23, 7)}
PERIOD_HOURS = {"day": 12, "evening": 4, "night": 8}
PENALTY_DB = {"day": 0, "evening": 5, "night": 10}
DEFAULT_LIMITS = {
    "residential": {"day": 55, "evening": 50, "night": 45},
    "mixed": {"day": 60, "evening": 55, "night": 50},
    "commercial": {"day": 65, "evening": 60, "night": 55},
    "industrial": {"day": 70, "evening": 65, "night": 60},
}
HOUR_MS = 3_600_000


def leq(levels) -> float | None:
    """Energy mean of equal-duration levels in dB; None without any."""
    levels = [level for level in levels if level is not None]
    if not levels:
        return None
    return 10 * math.log10(sum(10 ** (level / 10) for level in levels) / len(levels))


def lden(ld: float, le: float, ln: float) -> float:
    """Day-evening-night level from the three period levels (END Annex I)."""
    energy = sum(PERIOD_HOURS[name] * 10 ** ((level + PENALTY_DB[name]) / 10)
                 for name, level in (("day", ld), ("evening", le), ("night", ln)))
    return 10 * math.log10(energy / 24)


def period_of(hour: int) -> str:
    """The END period of a local clock hour (0-23)."""
    if 7 <= hour < 19:
        return "day"
    if 19 <= hour < 23:
        return "evening"
    return "night"


def local_hour(ts: int, tz: ZoneInfo) -> datetime:
    """The local clock hour a UTC epoch-ms instant falls in."""
    return datetime.fromtimestamp(ts / 1000, UTC).astimezone(tz).replace(
        minute=0, second=0, microsecond=0)


def hourly_leq(samples, tz: ZoneInfo) -> dict[int, dict]:
    """{hour start (epoch ms): {"leq", "samples", "period"}} from (ts, level) samples."""
    by_hour: dict[int, list[float]] = {}
    periods: dict[int, str] = {}
    for ts, level in samples:
        hour = local_hour(ts, tz)
        start = int(hour.timestamp() * 1000)
        by_hour.setdefault(start, []).append(level)
        periods[start] = period_of(hour.hour)
    return {start: {"leq": leq(levels), "samples": len(levels), "period": periods[start]}
            for start, levels in sorted(by_hour.items())}


def noise_day_bounds(day: str, tz: ZoneInfo) -> tuple[int, int]:
    """[07:00 on day, 07:00 the next day) in epoch ms, local time of `tz`."""
    start = datetime.fromisoformat(day).replace(hour=7, tzinfo=tz)
    end = (start.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=tz)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def day_indicators(samples, tz: ZoneInfo, limits: dict | None = None) -> dict:
    """Ld, Le, Ln, Lden of one noise day's (ts, level) samples, and the limits they exceed."""
    by_period: dict[str, list[float]] = {name: [] for name in PERIODS}
    for ts, level in samples:
        by_period[period_of(local_hour(ts, tz).hour)].append(level)
    levels = {name: leq(values) for name, values in by_period.items()}
    result = {"ld": levels["day"], "le": levels["evening"], "ln": levels["night"],
              "lden": (lden(levels["day"], levels["evening"], levels["night"])
                       if all(v is not None for v in levels.values()) else None),
              "samples": {name: len(values) for name, values in by_period.items()}}
    if limits:
        result["limits"] = dict(limits)
        result["exceeded"] = {name: (levels[name] > limits[name] if levels[name] is not None
                                     else None) for name in PERIODS}
    return result


def exceedance(level: float, period: str, limits: dict) -> float:
    """dB above (positive) or below (negative) the period's limit."""
    return level - limits[period]


def limits_for(district_type: str | None, table: dict) -> dict | None:
    """The limits of a district type; unknown types get the strictest (residential) ones."""
    if district_type in table:
        return table[district_type]
    return table.get("residential")
