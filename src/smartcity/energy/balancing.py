"""Lower a forecast peak: shift flexible load into the valleys, then shave with a battery (pure).

Shifting: a share `flex` of every hour's load may move to any other hour of the horizon (water
heating, EV charging, pumping). The lowest reachable peak is T = max(mean load, max (1 − flex) ×
load): no hour can give up more than its flexible share, and energy is conserved. Hours above T
give up load − T; the energy fills the deepest valleys first, up to a common level (bisection).

Battery: the lowest threshold T2 that a battery can hold the profile under, by bisection over a
chronological simulation: above T2 it discharges the excess (within its power and its stored
energy above the minimum state of charge); below T2 it charges (within its power, room and
T2 − load) only as much as the discharges still ahead need, so that no valley is raised more
than needed. Charging loses (1 − efficiency) of the energy drawn.
"""

import numpy as np

TOLERANCE_KW = 0.01


def shift_flexible(load_kw, flex: float, target_kw: float | None = None) -> dict:
    """The flattened profile: peaks cut to the lowest reachable level (or only down to
    `target_kw` when that is higher: no more load moves than needed), valleys filled deepest
    first."""
    if not 0 <= flex <= 1:
        raise ValueError("flexible_share: between 0 and 1")
    load = np.asarray(load_kw, dtype=float)
    # No hour can lose more than its flexible share, and energy is conserved: the lowest peak
    # reachable is the larger of the mean and the largest inflexible part of an hour.
    level = max(float(load.mean()), float(np.max((1 - flex) * load)))
    if target_kw is not None:
        level = min(max(level, target_kw), float(load.max()))
    out = np.maximum(load - level, 0.0)
    lo, hi = float(load.min()), level  # water-fill the valleys up to a level v <= level
    while hi - lo > TOLERANCE_KW / 10:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.maximum(mid - load, 0.0).sum() < out.sum() else (lo, mid)
    fill = np.maximum(hi - load, 0.0)
    if fill.sum() > 0:
        fill *= out.sum() / fill.sum()  # exact conservation despite the bisection's tolerance
    return {"profile": load - out + fill, "level_kw": level, "moved_kwh": float(out.sum()),
            "from_hours": np.flatnonzero(out > TOLERANCE_KW).tolist(),
            "to_hours": np.flatnonzero(fill > TOLERANCE_KW).tolist()}


def _simulate(load, level, battery):
    """Battery power per hour (+ discharge) holding load under `level`, or None if it cannot."""
    cap, max_kw, eff = battery["capacity_kwh"], battery["max_kw"], battery.get("efficiency", 0.9)
    floor = cap * battery.get("min_soc", 10) / 100
    ceiling = cap * battery.get("max_soc", 95) / 100
    stored = cap * battery["soc"] / 100
    excess = np.maximum(load - level, 0.0)
    if excess.max() > max_kw + 1e-9:
        return None
    ahead = np.cumsum(excess[::-1])[::-1]  # discharge energy still needed from each hour on
    power = np.zeros(load.size)
    for h in range(load.size):
        if excess[h] > 0:
            if stored - excess[h] < floor - 1e-9:
                return None
            stored -= excess[h]
            power[h] = excess[h]
        else:
            want = max(0.0, ahead[h] - (stored - floor)) / eff
            draw = min(max_kw, level - load[h], (ceiling - stored) / eff, want)
            if draw > 0:
                stored += draw * eff
                power[h] = -draw
    return power


def battery_dispatch(load_kw, battery: dict) -> dict:
    """The lowest peak a battery can hold; its power per hour (+ discharging, − charging)."""
    load = np.asarray(load_kw, dtype=float)
    lo, hi = 0.0, float(load.max())
    best = np.zeros(load.size)
    while hi - lo > TOLERANCE_KW:
        mid = (lo + hi) / 2
        power = _simulate(load, mid, battery)
        if power is None:
            lo = mid
        else:
            hi, best = mid, power
    return {"power_kw": best, "profile": load - best, "peak_kw": float((load - best).max())}


def windows(power_kw) -> list[dict]:
    """Contiguous hours of charging or discharging: {action, start, end (exclusive), power_kw}."""
    out = []
    for h, p in enumerate(np.asarray(power_kw, dtype=float)):
        action = "discharge" if p > TOLERANCE_KW else ("charge" if p < -TOLERANCE_KW else None)
        if action and out and out[-1]["action"] == action and out[-1]["end"] == h:
            out[-1]["end"] = h + 1
            out[-1]["power_kw"] = max(out[-1]["power_kw"], round(abs(float(p)), 1))
        elif action:
            out.append({"action": action, "start": h, "end": h + 1,
                        "power_kw": round(abs(float(p)), 1)})
    return out


def balance(load_kw, capacity_kw: float, flex: float = 0.0, battery: dict | None = None,
            target_kw: float | None = None) -> dict:
    """Shift (down to target_kw, if given), then shave with the battery: peaks and utilisation
    before and after, and what achieves them."""
    load = np.asarray(load_kw, dtype=float)
    shifted = shift_flexible(load, flex, target_kw) if flex > 0 else None
    profile = shifted["profile"] if shifted else load
    dispatch = battery_dispatch(profile, battery) if battery else None
    final = dispatch["profile"] if dispatch else profile
    before, after = float(load.max()), float(final.max())
    return {
        "peak_before_kw": round(before, 1), "peak_after_kw": round(after, 1),
        "reduction_kw": round(before - after, 1),
        "utilisation_before": round(before / capacity_kw, 4),
        "utilisation_after": round(after / capacity_kw, 4),
        "overloaded_before": before > capacity_kw, "overloaded_after": after > capacity_kw,
        "shift": None if not shifted else {
            "moved_kwh": round(shifted["moved_kwh"], 1), "from_hours": shifted["from_hours"],
            "to_hours": shifted["to_hours"], "level_kw": round(shifted["level_kw"], 1)},
        "battery": None if not dispatch else windows(dispatch["power_kw"]),
        "profile_kw": [round(float(v), 2) for v in final],
    }
