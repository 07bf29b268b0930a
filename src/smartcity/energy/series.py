"""Hourly series of the energy devices, from the hourly rollups, as aligned numpy arrays.

An hour's mean power in kW is the energy of that hour in kWh, so every energy figure here is a
sum of hourly means: consumption over a range equals the sum of its meters' rollups. Ranges are
whole clock hours: [start, end) floored to the hour.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from flask import current_app

from smartcity.telemetry import reads

HOUR = 3_600_000


def hour_range(start: int, end: int) -> np.ndarray:
    """Starts of the whole clock hours in [start, end), each floored to the hour."""
    return np.arange(start // HOUR * HOUR, end // HOUR * HOUR, HOUR, dtype=np.int64)


def matrix(conn, device_ids: list[str], key: str, hours: np.ndarray) -> np.ndarray:
    """Hourly means of `key`, one row per device, NaN where an hour has no reading."""
    out = np.full((len(device_ids), hours.size), np.nan)
    if hours.size == 0:
        return out
    start, end = int(hours[0]), int(hours[-1]) + HOUR
    for row, device_id in enumerate(device_ids):
        means = reads.hourly_means(conn, device_id, [key], start, end).get(key, {})
        for ts, value in means.items():
            i = (ts - start) // HOUR
            if 0 <= i < hours.size:
                out[row, i] = value
    return out


def mean_series(conn, device_ids: list[str], key: str, hours: np.ndarray) -> np.ndarray:
    """The mean over devices of each hour's mean (NaN where none reported)."""
    m = matrix(conn, device_ids, key, hours)
    with np.errstate(all="ignore"):
        return np.nanmean(m, axis=0) if m.size else np.full(hours.size, np.nan)


def timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["ENERGY_TIMEZONE"])


def local(hours: np.ndarray, tz: ZoneInfo) -> list[datetime]:
    return [datetime.fromtimestamp(int(h) / 1000, UTC).astimezone(tz) for h in hours]


def offsets_h(hours: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    """UTC offset of each hour in the zone, in hours (daylight saving time included)."""
    return np.array([d.utcoffset().total_seconds() / 3600 for d in local(hours, tz)])


def local_hours(hours: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    return np.array([d.hour for d in local(hours, tz)], dtype=int)


def bucket_starts(hours: np.ndarray, tz: ZoneInfo, interval: str) -> np.ndarray:
    """The start (epoch ms) of the local period each hour falls in: 1h, 1d (local day) or 1mo."""
    if interval == "1h":
        return hours.copy()
    out = []
    for d in local(hours, tz):
        d = d.replace(hour=0, minute=0, second=0, microsecond=0)
        if interval == "1mo":
            d = d.replace(day=1)
        out.append(int(d.replace(tzinfo=None).replace(tzinfo=tz).timestamp() * 1000))
    return np.array(out, dtype=np.int64)


def label(ts: int, tz: ZoneInfo, interval: str) -> str:
    d = datetime.fromtimestamp(ts / 1000, UTC).astimezone(tz)
    return d.strftime({"1h": "%Y-%m-%dT%H:00", "1d": "%Y-%m-%d", "1mo": "%Y-%m"}[interval])


def group_sum(values: np.ndarray, buckets: np.ndarray) -> list[tuple[int, float]]:
    """(bucket, Σ values) in time order; NaN counts as nothing."""
    totals: dict[int, float] = {}
    for b, v in zip(buckets.tolist(), np.nan_to_num(values).tolist(), strict=True):
        totals[b] = totals.get(b, 0.0) + v
    return sorted(totals.items())
