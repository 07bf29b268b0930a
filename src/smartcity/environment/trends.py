"""Pollution trends as pure functions: daily means and week-over-week change.

A day's mean is the mean of its readings (sum / count of the day's rollup). A week's mean is the
mean of its daily means, so a day with many readings weighs no more than a quiet one; a week
needs MIN_DAYS days with readings. The change compares the 7 days ending on the last day with
the 7 days before them.
"""

DAY_MS = 86_400_000
MIN_DAYS = 4
FLAT_PCT = 5.0  # |change| below this is "flat"


def daily_means(buckets: dict[int, tuple[int, float]]) -> dict[int, float]:
    """{day start: (count, sum)} -> {day start: mean}, days without readings left out."""
    return {day: total / count for day, (count, total) in sorted(buckets.items()) if count}


def _week_mean(daily: dict[int, float], last_day: int) -> tuple[float | None, int]:
    values = [daily[d] for d in range(last_day - 6 * DAY_MS, last_day + DAY_MS, DAY_MS)
              if d in daily]
    return (sum(values) / len(values) if len(values) >= MIN_DAYS else None), len(values)


def week_over_week(daily: dict[int, float], last_day: int) -> dict:
    """This week's and last week's mean and the change between them (None when unknown)."""
    current, current_days = _week_mean(daily, last_day)
    previous, previous_days = _week_mean(daily, last_day - 7 * DAY_MS)
    change = pct = trend = None
    if current is not None and previous is not None:
        change = current - previous
        if previous > 0:
            pct = change / previous * 100
            trend = "flat" if abs(pct) < FLAT_PCT else ("up" if pct > 0 else "down")
        else:
            trend = "flat" if change == 0 else "up"
    return {"current_week_mean": current, "previous_week_mean": previous, "change": change,
            "change_pct": pct, "trend": trend,
            "days": {"current_week": current_days, "previous_week": previous_days}}
