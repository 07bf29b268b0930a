"""Consumption from meter registers and rollups, per day, ISO week or calendar month (pure).

A customer meter reports its cumulative register (`volume`, m3), as a utility bills it: a
period's consumption is the register at its last reading in the period minus the register at
the last reading before the period (the first reading of the period when there is none before).
Days without readings take nothing; the next reading carries their consumption, so the total
over the periods is always the register's advance. A register that goes back (a meter swap or
a reset) counts from its new value: the drop is not consumption.
"""

from datetime import UTC, datetime, timedelta

DAY = 86_400_000


def period_start(ts: int, interval: str) -> int:
    """Start (ms, UTC) of the day, ISO week (Monday) or calendar month holding ts."""
    day = datetime.fromtimestamp(ts // DAY * DAY / 1000, UTC)
    if interval == "week":
        day -= timedelta(days=day.weekday())
    elif interval == "month":
        day = day.replace(day=1)
    elif interval != "day":
        raise ValueError(f"unknown interval {interval!r}")
    return int(day.timestamp() * 1000)


def register_consumption(daily: dict[int, tuple[float, float]], start: int,
                         interval: str) -> list[dict]:
    """[{ts, volume_m3, register_m3}] per period from the register's daily (min, max), days
    before `start` only serving as the reading before the first period."""
    out: dict[int, dict] = {}
    previous = None
    for day in sorted(daily):
        low, high = daily[day]
        if day >= start:
            base = low if previous is None or low < previous else previous
            used = max(high - base, 0.0)
            bucket = out.setdefault(period_start(day, interval),
                                    {"volume_m3": 0.0, "register_m3": high})
            bucket["volume_m3"] += used
            bucket["register_m3"] = high
        previous = high
    return [{"ts": ts} | out[ts] for ts in sorted(out)]


def group_volumes(daily: dict[int, float], interval: str) -> dict[int, float]:
    """Sum daily volumes into weeks or months (days as they are)."""
    out: dict[int, float] = {}
    for day, volume in daily.items():
        key = period_start(day, interval)
        out[key] = out.get(key, 0.0) + volume
    return out
