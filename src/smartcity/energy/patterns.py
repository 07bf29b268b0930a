"""Usage patterns (seed 002): daily profile, base load, peak, load factor per meter or sector,
and one meter's ISO 50006 indicator against its own baseline (see usage.py)."""

from collections import defaultdict

import numpy as np
from flask import current_app

from smartcity.devices.service import devices_of
from smartcity.energy import series, usage
from smartcity.energy.network import WEATHER
from smartcity.energy.service import Readings
from smartcity.extensions import db
from smartcity.telemetry import reads

DAY = 86_400_000


def usage_patterns(days: int, group_by: str, at: int | None = None) -> dict:
    """Profile and load statistics of each meter or sector over the last `days` days."""
    end = reads.reporting_end(at)
    r = Readings(end - days * DAY, end)
    hours_of_day = series.local_hours(r.hours, r.tz)
    items = []
    for key, g in sorted(r.rows(group_by).items()):
        demand = g["metered"] + g["generation"]
        items.append({"id": key, "name": r.name(group_by, key), "meters": g["meters"],
                      **usage.load_stats(demand),
                      "profile_kw": usage.daily_profile(demand, hours_of_day)})
    return {"days": days, "group_by": group_by, "end": end, "items": items}


def _daily(values: np.ndarray, days: np.ndarray) -> tuple[list[int], np.ndarray]:
    by_day: dict[int, list[float]] = defaultdict(list)
    for d, v in zip(days.tolist(), values.tolist(), strict=True):
        by_day[d].append(v)
    keys = sorted(by_day)
    return keys, np.array([by_day[k] for k in keys], dtype=object)


def meter_usage(meter_id: str, days: int, baseline_days: int, at: int | None = None) -> dict:
    """One meter's last `days` days against its own previous `baseline_days`."""
    config = current_app.config
    end = reads.reporting_end(at)
    r = Readings(end - (days + baseline_days) * DAY, end)
    row = r.rows("meter")[meter_id]
    demand = row["metered"] + row["generation"]
    split = baseline_days * 24
    now, before = demand[split:], demand[:split]
    stats, base_stats = usage.load_stats(now), usage.load_stats(before)
    answer = {"meter_id": meter_id, "name": r.name("meter", meter_id), "days": days,
              "baseline_days": baseline_days, **stats,
              "baseline": base_stats,
              "profile_kw": usage.daily_profile(now, series.local_hours(r.hours[split:], r.tz)),
              "efficiency": None}
    stations = [d.id for d in devices_of(WEATHER)]
    with db.reader() as conn:
        temp = series.mean_series(conn, stations, "temperature", r.hours) if stations else None
    if temp is not None and np.isfinite(temp).mean() >= 0.8:
        day_of = series.bucket_starts(r.hours, r.tz, "1d")
        # only whole local days with every hour metered and most hours of temperature
        day_keys = sorted(set(day_of.tolist()))
        kwh, mean_t, current = [], [], []
        for d in day_keys:
            mask = day_of == d
            m = r.meters[r.meter_ids.index(meter_id)][mask]
            if mask.sum() < 24 or not np.all(np.isfinite(m)):
                continue
            kwh.append(float(demand[mask].sum()))
            mean_t.append(float(np.nanmean(temp[mask])))
            current.append(bool(np.flatnonzero(mask)[0] >= split))
        kwh_a, current_a = np.array(kwh), np.array(current, dtype=bool)
        hdd, cdd = usage.degree_days(np.array(mean_t), config["ENERGY_HEAT_BASE_C"],
                                     config["ENERGY_COOL_BASE_C"])
        if (~current_a).sum() >= 5 and current_a.sum() >= 1:
            model = usage.baseline_model(kwh_a[~current_a], hdd[~current_a], cdd[~current_a])
            answer["efficiency"] = usage.enpi(model, kwh_a[current_a], hdd[current_a],
                                              cdd[current_a]) | {
                "baseline_model": {k: (round(v, 4) if isinstance(v, float) else v)
                                   for k, v in model.items()}}
    answer["recommendations"] = usage.recommendations(
        answer["efficiency"] or {}, stats["base_kw"], base_stats["base_kw"])
    return answer
