"""Peak-demand forecasts per feeder with their backtests, and load balancing on them.

Each feeder's net load (its head meter's hourly means) is forecast by the method that did best
in a rolling-origin backtest over the last days (smartcity.forecast): seasonal naive, additive
Holt-Winters (daily season) or the time-of-week + temperature regression. The baseline is the
weekly seasonal naive forecast when two weeks of training remain for every origin (weekdays and
weekends differ), else the daily one. Future temperatures are the last day's again
(persistence): the platform has no weather forecast.
"""

import numpy as np
from flask import current_app

from smartcity.devices.service import devices_of
from smartcity.energy import balancing, network, series
from smartcity.energy.network import WEATHER
from smartcity.extensions import db
from smartcity.forecast import best_forecast, fill_gaps, time_of_week
from smartcity.telemetry import reads

HOUR, DAY = 3_600_000, 86_400_000
MIN_COVERAGE = 0.8  # a feeder with fewer hours of history than this is not forecast


def _temperature(conn, hours: np.ndarray, horizon: int) -> np.ndarray | None:
    stations = [d.id for d in devices_of(WEATHER)]
    if not stations:
        return None
    temp = series.mean_series(conn, stations, "temperature", hours)
    if np.isfinite(temp).mean() < MIN_COVERAGE:
        return None
    temp = fill_gaps(temp)
    return np.concatenate([temp, np.resize(temp[-24:], horizon)])


def _point(ts: int, f, i: int) -> dict:
    return {"ts": ts, "value": round(float(f.mean[i]), 2), "lower": round(float(f.lower[i]), 2),
            "upper": round(float(f.upper[i]), 2)}


def feeder_forecasts(horizon: int, history_days: int, backtest_days: int,
                     feeder_ids: list[str] | None = None, at: int | None = None) -> dict:
    """Forecast every (chosen) feeder's load for the next `horizon` hours."""
    config = current_app.config
    level = config["ENERGY_FORECAST_LEVEL"]
    end = reads.reporting_end(at)
    hours = series.hour_range(end - history_days * DAY, end)
    future = end + HOUR * np.arange(horizon, dtype=np.int64)
    grid = network.load_grid()
    feeders = [f for f in grid.feeders.values()
               if f["head"] and (feeder_ids is None or f["id"] in feeder_ids)]
    tz = series.timezone()
    every = np.concatenate([hours, future])
    tow = time_of_week(every, series.offsets_h(every, tz))
    naive_m = 168 if history_days - backtest_days >= 14 else 24
    with db.reader() as conn:
        loads = series.matrix(conn, [f["head"] for f in feeders], "power", hours)
        temperature = _temperature(conn, hours, horizon)
    items = []
    for feeder, y in zip(feeders, loads, strict=True):
        entry = {"feeder_id": feeder["id"], "name": feeder["name"], "meter_id": feeder["head"],
                 "substation": feeder["substation"], "capacity_kw": feeder["capacity_kw"]}
        coverage = float(np.isfinite(y).mean()) if y.size else 0.0
        if coverage < MIN_COVERAGE:
            items.append(entry | {"error": f"only {coverage:.0%} of the history has readings"})
            continue
        try:
            result = best_forecast(fill_gaps(y), m=24, horizon=horizon,
                                   test_points=backtest_days * 24, tow=tow,
                                   temperature=temperature, level=level, naive_m=naive_m)
        except ValueError as exc:
            items.append(entry | {"error": str(exc)})
            continue
        f, scores = result["forecast"], result["backtests"]
        peak = int(np.argmax(f.mean))
        capacity = feeder["capacity_kw"]
        baseline = scores.get("seasonal_naive")
        best = scores[result["method"]]
        items.append(entry | {
            "method": result["method"], "level": level,
            "points": [_point(int(ts), f, i) for i, ts in enumerate(future)],
            "peak": _point(int(future[peak]), f, peak) | {
                "utilisation": round(float(f.mean[peak]) / capacity, 4) if capacity else None,
                "upper_utilisation": round(float(f.upper[peak]) / capacity, 4)
                if capacity else None},
            "backtest": {"days": backtest_days, "baseline": "seasonal_naive", "baseline_m":
                         naive_m, "methods": scores,
                         "beats_baseline": baseline is not None
                         and best["cv_rmse"] < baseline["cv_rmse"]
                         and (None in (best["mase"], baseline["mase"])  # periodic history
                              or best["mase"] < baseline["mase"])}})
    return {"issued": end, "horizon_h": horizon, "history_days": history_days,
            "temperature": temperature is not None, "items": items}


def _hhmm(ts: int, tz) -> str:
    return series.label(ts, tz, "1h")


def _battery(conn, battery: dict) -> dict | None:
    soc = reads.latest(conn, battery["id"], ["soc"]).get("soc", {}).get("value")
    if soc is None or not battery["capacity_kwh"] or not battery["max_kw"]:
        return None
    return {"capacity_kwh": float(battery["capacity_kwh"]), "max_kw": float(battery["max_kw"]),
            "soc": float(soc),
            "efficiency": current_app.config["ENERGY_BATTERY_EFFICIENCY"]}


def load_balancing(horizon: int, flexible_share: float, history_days: int,
                   backtest_days: int, at: int | None = None) -> dict:
    """Per feeder: forecast peak, shifting that brings it under the warning level; per
    substation with a battery: charge/discharge windows that shave the summed peak."""
    config = current_app.config
    target_share = config["ENERGY_WARNING_UTILISATION"]
    forecasts = feeder_forecasts(horizon, history_days, backtest_days, at=at)
    tz = series.timezone()
    grid = network.load_grid()
    feeders, profiles, advice = [], {}, []
    for item in forecasts["items"]:
        if "error" in item or not item["capacity_kw"]:
            continue
        load = np.array([p["value"] for p in item["points"]])
        times = [p["ts"] for p in item["points"]]
        capacity = float(item["capacity_kw"])
        result = balancing.balance(load, capacity, flexible_share,
                                   target_kw=target_share * capacity)
        profiles.setdefault(item["substation"], []).append(np.array(result["profile_kw"]))
        shift = result["shift"]
        entry = {"feeder_id": item["feeder_id"], "name": item["name"], "capacity_kw": capacity,
                 "method": item["method"], **{k: result[k] for k in (
                     "peak_before_kw", "peak_after_kw", "reduction_kw", "utilisation_before",
                     "utilisation_after", "overloaded_before", "overloaded_after")},
                 "shift": None}
        if shift and shift["moved_kwh"] > 0:
            entry["shift"] = {"moved_kwh": shift["moved_kwh"],
                              "from": [times[h] for h in shift["from_hours"]],
                              "to": [times[h] for h in shift["to_hours"]]}
            advice.append(
                f"{item['name']}: shift {shift['moved_kwh']:.0f} kWh of flexible load from "
                f"{_hhmm(times[shift['from_hours'][0]], tz)} to the night valley "
                f"(peak {result['peak_before_kw']:.0f} → {result['peak_after_kw']:.0f} kW, "
                f"{result['utilisation_before']:.0%} → {result['utilisation_after']:.0%}).")
        feeders.append(entry)
    batteries = []
    future = forecasts["issued"] + HOUR * np.arange(horizon)
    with db.reader() as conn:
        for b in grid.batteries.values():
            state = _battery(conn, b) if b["status"] == "active" else None
            summed = profiles.get(b["substation"])
            if state is None or not summed:
                continue
            profile = np.sum(summed, axis=0)
            dispatch = balancing.battery_dispatch(profile, state)
            windows = [w | {"start": int(future[w["start"]]),
                            "end": int(future[w["end"] - 1] + HOUR),
                            "duration_s": (w["end"] - w["start"]) * 3600}
                       for w in balancing.windows(dispatch["power_kw"])]
            before = float(profile.max())
            batteries.append({"device_id": b["id"], "name": b["name"],
                              "substation": b["substation"], "soc": state["soc"],
                              "peak_before_kw": round(before, 1),
                              "peak_after_kw": round(dispatch["peak_kw"], 1),
                              "reduction_kw": round(before - dispatch["peak_kw"], 1),
                              "windows": windows})
            for w in windows[:2]:
                advice.append(f"{b['name']}: {w['action']} at {w['power_kw']:.0f} kW from "
                              f"{_hhmm(w['start'], tz)} for {w['duration_s'] // 3600} h.")
    return {"issued": forecasts["issued"], "horizon_h": horizon,
            "flexible_share": flexible_share, "target_utilisation": target_share,
            "feeders": feeders, "batteries": batteries, "recommendations": advice,
            "summary": {
                "overloaded_before": sum(f["overloaded_before"] for f in feeders),
                "overloaded_after": sum(f["overloaded_after"] for f in feeders),
                "reduction_kw": round(sum(f["reduction_kw"] for f in feeders), 1)}}
