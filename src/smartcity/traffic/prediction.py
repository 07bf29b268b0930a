"""Next-hours flow per counter (forecast/ core), scored by a rolling-origin backtest over the
last week against the same-hour-last-week baseline (seasonal naive, m = 168).

Candidates: that baseline, Holt-Winters with a daily season (m = 24) and the time-of-week
regression; the one with the lowest backtest CV(RMSE) forecasts. `skill` = 1 − MAE of the
chosen method / MAE of the baseline over the same backtest points (> 0: better than last week).
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from flask import current_app

from smartcity.devices.service import devices_of
from smartcity.errors import ApiError
from smartcity.extensions import db
from smartcity.forecast.backtest import best_forecast
from smartcity.forecast.methods import fill_gaps
from smartcity.forecast.regression import time_of_week
from smartcity.telemetry import queries
from smartcity.telemetry.keys import key_dictionary
from smartcity.timeutil import now_ms

HOUR_MS = 3_600_000
WEEK_H = 168
DAY_H = 24
BASELINE = "seasonal_naive"


def predict(hourly: list[tuple[int, float]], end: int, hours: int, timezone: str,
            days: int) -> dict:
    """Forecast `hours` after `end` (a whole hour) from [(hour start ms, mean flow)] of the
    `days` before it (pure)."""
    n = days * DAY_H
    start = end - n * HOUR_MS
    y = np.full(n, np.nan)
    for ts, value in hourly:
        i = (ts - start) // HOUR_MS
        if 0 <= i < n and value is not None:
            y[i] = value
    known = int(np.isfinite(y).sum())
    # the baseline needs two weeks before the backtest week (seasonal naive fits on 2 seasons)
    if n < 3 * WEEK_H or known < 0.8 * n:
        raise ApiError(409, "not_enough_history",
                       f"{known} of {n} hours measured; three weeks and 80 % of them are needed",
                       {"field": "days", "hours_measured": known})
    y = fill_gaps(y)
    stamps = start + HOUR_MS * np.arange(n + hours, dtype=np.int64)
    offsets = [ZoneInfo(timezone).utcoffset(datetime.fromtimestamp(t / 1000, UTC))
               .total_seconds() / 3600 for t in stamps]
    tow = time_of_week(stamps, offsets)
    best = best_forecast(y, DAY_H, hours, WEEK_H, tow=tow, naive_m=WEEK_H)
    f, scores = best["forecast"], best["backtests"]
    skill = None
    if BASELINE in scores and scores[BASELINE]["mae"] > 0:
        skill = round(1 - scores[best["method"]]["mae"] / scores[BASELINE]["mae"], 3)
    return {"method": best["method"], "baseline": "same hour last week (seasonal naive, m=168)",
            "skill_vs_baseline": skill, "backtests": scores, "hours_measured": known,
            "points": [{"ts": int(end + i * HOUR_MS), "flow": round(max(0.0, float(f.mean[i])), 1),
                        "lower": round(max(0.0, float(f.lower[i])), 1),
                        "upper": round(float(f.upper[i]), 1)} for i in range(hours)],
            "level": f.level}


def counter_prediction(device_id: str, hours: int, days: int, end: int | None = None) -> dict:
    end = (end or now_ms()) // HOUR_MS * HOUR_MS  # the current hour is not complete
    with db.reader() as conn:
        key = key_dictionary(current_app).known_ids(conn, ["intensity"]).get("intensity")
        series = [] if key is None else queries.aggregate_series(
            conn, [device_id], [key], end - days * DAY_H * HOUR_MS, end, HOUR_MS, "avg")[key]
    return {"device_id": device_id, **predict(series, end, hours,
                                              current_app.config["TRAFFIC_TIMEZONE"], days)}


def city_prediction(hours: int, days: int = 28) -> dict:
    """Every counter's next-hours flow as counter_prediction gives it; a counter without the
    history it needs is listed with the reason instead of a forecast."""
    items = []
    for device in devices_of("traffic_counter"):
        try:
            items.append({**counter_prediction(device.id, hours, days),
                          "segment_id": device.asset_id})
        except ApiError as exc:
            items.append({"device_id": device.id, "segment_id": device.asset_id,
                          "error": exc.message})
    skills = [i["skill_vs_baseline"] for i in items if i.get("skill_vs_baseline") is not None]
    return {"kind": "counter flow (veh/h)", "history_days": days,
            "baseline": "same hour last week (seasonal naive, m=168)",
            "forecast": sum("points" in i for i in items), "counters": len(items),
            "median_skill_vs_baseline": round(float(np.median(skills)), 3) if skills else None,
            "items": items}
