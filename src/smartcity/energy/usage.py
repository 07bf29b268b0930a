"""Usage patterns of a meter: daily profile, base load, peak, load factor, and an ISO 50006
energy performance indicator normalised by degree days against the meter's own baseline (pure).

- Load factor = mean load / peak load over the same period (IEEE Std 100 definition).
- Base load: the 5th percentile of hourly demand: what stays on at night and on empty days,
  without letting one odd hour decide it.
- Degree days by the mean-temperature method: HDD = max(0, base − daily mean temperature),
  CDD = max(0, daily mean − base) (the method of EN ISO 15927-6, with configurable bases).
- ISO 50006:2014 (*Energy baselines and energy performance indicators*) normalises energy use
  for its relevant variables with a baseline model fitted on a baseline period:
      expected kWh/day = a + b_h × HDD + b_c × CDD   (least squares over the baseline days)
  EnPI = actual / expected energy of the reporting period (1.0 = as the baseline; above: worse),
  and kWh per degree day = (actual − a × days) / degree days when there were degree days.
"""

import numpy as np

DEPARTURE = 0.10  # an EnPI or base load 10 % away from the baseline earns a recommendation


def load_stats(power_kw) -> dict:
    """Peak, mean, base load and load factor of hourly mean demand (kW)."""
    p = np.asarray(power_kw, dtype=float)
    p = p[np.isfinite(p)]
    if p.size == 0:
        return {"peak_kw": None, "mean_kw": None, "base_kw": None, "load_factor": None}
    peak, mean = float(p.max()), float(p.mean())
    return {"peak_kw": round(peak, 3), "mean_kw": round(mean, 3),
            "base_kw": round(float(np.percentile(p, 5)), 3),
            "load_factor": round(mean / peak, 4) if peak > 0 else None}


def daily_profile(power_kw, hours) -> list[float | None]:
    """Mean demand by local hour of day (24 values; None for an hour never seen)."""
    p, h = np.asarray(power_kw, dtype=float), np.asarray(hours, dtype=int) % 24
    out = []
    for hour in range(24):
        values = p[(h == hour) & np.isfinite(p)]
        out.append(round(float(values.mean()), 3) if values.size else None)
    return out


def degree_days(daily_mean_c, heat_base_c: float = 15.5, cool_base_c: float = 22.0):
    """(HDD, CDD) per day from daily mean temperatures."""
    t = np.asarray(daily_mean_c, dtype=float)
    return np.maximum(0.0, heat_base_c - t), np.maximum(0.0, t - cool_base_c)


def baseline_model(daily_kwh, hdd, cdd) -> dict:
    """Least-squares energy baseline a + b_h HDD + b_c CDD; a variable that never varies is
    left out (a summer baseline has no heating term)."""
    y = np.asarray(daily_kwh, dtype=float)
    terms = {"hdd": np.asarray(hdd, dtype=float), "cdd": np.asarray(cdd, dtype=float)}
    used = [k for k, v in terms.items() if np.ptp(v) > 0]
    x = np.column_stack([np.ones(y.size)] + [terms[k] for k in used])
    if y.size < x.shape[1] + 1:
        raise ValueError("baseline needs more days than terms")
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    fitted = x @ coef
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    model = {"intercept": float(coef[0]), "hdd": 0.0, "cdd": 0.0, "days": int(y.size),
             "r2": round(1 - float(np.sum((y - fitted) ** 2)) / ss_tot, 4) if ss_tot else None}
    for k, c in zip(used, coef[1:], strict=True):
        model[k] = float(c)
    return model


def enpi(model: dict, daily_kwh, hdd, cdd) -> dict:
    """Actual against expected energy for the reporting days, and kWh per degree day."""
    y = np.asarray(daily_kwh, dtype=float)
    hdd, cdd = np.asarray(hdd, dtype=float), np.asarray(cdd, dtype=float)
    expected = float(model["intercept"] * y.size + model["hdd"] * hdd.sum()
                     + model["cdd"] * cdd.sum())
    actual, dd = float(y.sum()), float(hdd.sum() + cdd.sum())
    weather = actual - model["intercept"] * y.size
    return {"actual_kwh": round(actual, 3), "expected_kwh": round(float(expected), 3),
            "enpi": round(actual / expected, 4) if expected > 0 else None,
            "degree_days": round(dd, 2),
            "kwh_per_degree_day": round(weather / dd, 3) if dd > 0 else None,
            "baseline_kwh_per_degree_day": round(float(
                model["hdd"] if hdd.sum() >= cdd.sum() else model["cdd"]), 3)}


def recommendations(indicator: dict, base_now: float | None, base_before: float | None) -> list:
    """Plain advice where a meter departs from its own baseline."""
    advice = []
    ratio = indicator.get("enpi")
    if ratio is not None and ratio > 1 + DEPARTURE:
        advice.append(f"Uses {round((ratio - 1) * 100)} % more energy than its baseline for the "
                      "same weather: check heating and cooling set points and schedules.")
    elif ratio is not None and ratio < 1 - DEPARTURE:
        advice.append(f"Uses {round((1 - ratio) * 100)} % less energy than its baseline: confirm "
                      "the saving is real (a meter or occupancy change) and keep it.")
    if base_now is not None and base_before and base_now > base_before * (1 + DEPARTURE):
        advice.append(f"Base load rose from {base_before:.0f} to {base_now:.0f} kW: look for "
                      "equipment left running at night and on empty days.")
    return advice
