"""Drinking-water quality at the network's quality sensors against configurable limits (pure).

Default limits (settings of the water domain, overridable in config.py):
- pH 6.5-9.5: EU Directive (EU) 2020/2184, Annex I Part C (indicator parameters), "≥ 6.5 and
  ≤ 9.5". WHO Guidelines for Drinking-water Quality (4th ed. incorporating the 1st and 2nd
  addenda, 2022) set no health-based value for pH; they note an optimum of usually 6.5-8
  (below 8 for effective chlorination).
- Turbidity at most 1.0 NTU: EU 2020/2184 Annex I Part C gives "acceptable to consumers and no
  abnormal change" for the tap, and 1.0 NTU for the water leaving a works treating surface water
  (note 10); WHO GDWQ: ideally below 1 NTU, visible at about 4 NTU.
- Free chlorine 0.2-5 mg/L: WHO GDWQ guideline value 5 mg/L for free chlorine (health-based;
  taste at much lower levels) and a residual of at least 0.2 mg/L at the point of delivery.
  EU 2020/2184 has no parametric value for chlorine.
A reading below `min` is "low", above `max` "high", else "ok" (a limit of None is not checked).
"""

PARAMETERS = ("ph", "turbidity", "chlorine")
SETTINGS = {  # parameter -> (setting of the minimum, setting of the maximum)
    "ph": ("WATER_PH_MIN", "WATER_PH_MAX"),
    "turbidity": (None, "WATER_TURBIDITY_MAX_NTU"),
    "chlorine": ("WATER_CHLORINE_MIN_MGL", "WATER_CHLORINE_MAX_MGL"),
}
DEFAULTS = {"WATER_PH_MIN": 6.5, "WATER_PH_MAX": 9.5, "WATER_TURBIDITY_MAX_NTU": 1.0,
            "WATER_CHLORINE_MIN_MGL": 0.2, "WATER_CHLORINE_MAX_MGL": 5.0}
SOURCES = {
    "ph": "EU Directive 2020/2184 Annex I Part C: 6.5-9.5",
    "turbidity": "EU Directive 2020/2184 Annex I Part C note 10 (1.0 NTU ex treatment works); "
                 "WHO GDWQ: ideally below 1 NTU",
    "chlorine": "WHO GDWQ: free chlorine guideline value 5 mg/L; residual at least 0.2 mg/L "
                "at the point of delivery",
}
UNITS = {"ph": "", "turbidity": "NTU", "chlorine": "mg/L"}


def limits(config) -> dict[str, dict]:
    """{parameter: {min, max, unit, source}} from the settings."""
    return {p: {"min": config.get(lo) if lo else None, "max": config.get(hi) if hi else None,
                "unit": UNITS[p], "source": SOURCES[p]}
            for p, (lo, hi) in SETTINGS.items()}


def classify(value: float | None, limit: dict) -> str | None:
    """"low", "high" or "ok" against {min, max}; None without a value."""
    if value is None:
        return None
    if limit.get("min") is not None and value < limit["min"]:
        return "low"
    if limit.get("max") is not None and value > limit["max"]:
        return "high"
    return "ok"


def compliance(values: list[float], limit: dict) -> float | None:
    """Share (%) of the samples within the limits; None without samples."""
    if not values:
        return None
    return sum(classify(v, limit) == "ok" for v in values) / len(values) * 100


def rules(config) -> list[dict]:
    """The default alarm rules of the limits: one rule per limit, fifteen minutes outside it
    (quality sensors report every five minutes), clearing 5 % inside it."""
    out = []
    for parameter, limit in limits(config).items():
        title = {"ph": "pH", "turbidity": "turbidity", "chlorine": "free chlorine"}[parameter]
        unit = f" {limit['unit']}" if limit["unit"] else ""
        for bound, word, operator, clear in (("min", "Low", "<", 1.05), ("max", "High", ">", 0.95)):
            if limit[bound] is None:
                continue
            out.append({
                "name": f"{word} water {title}", "kind": "threshold",
                "scope": {"device_type": "water_quality_sensor"}, "key": parameter,
                "operator": operator, "value": limit[bound], "clear_value": limit[bound] * clear,
                "for_duration_s": 900, "severity": "major",
                "description": f"{title} {'below' if bound == 'min' else 'above'} "
                               f"{limit[bound]}{unit} for fifteen minutes ({limit['source']})."})
    return out
