"""Weather indicators as pure functions: the US National Weather Service heat index.

NWS algorithm (Weather Prediction Center, "The Heat Index Equation"):
  1. Steadman's simple formula HI = 0.5·(T + 61 + (T − 68)·1.2 + 0.094·RH) in °F; if the mean of
     that and T is below 80 °F, it is the answer.
  2. Otherwise the Rothfusz regression, with two adjustments: RH < 13 % and 80 ≤ T ≤ 112 °F
     subtracts ((13 − RH)/4)·√((17 − |T − 95|)/17); RH > 85 % and 80 ≤ T ≤ 87 °F adds
     ((RH − 85)/10)·((87 − T)/5).
Categories of the NWS heat index chart: Caution 80–90 °F, Extreme caution 90–103 °F,
Danger 103–124 °F, Extreme danger 125 °F and above. The index describes heat: below 80 °F air
temperature it is computed but marked not applicable (as MetPy masks it), and reports leave it out.
"""

import math

CATEGORIES = ((125.0, "Extreme danger"), (103.0, "Danger"), (90.0, "Extreme caution"),
              (80.0, "Caution"))


def c_to_f(celsius: float) -> float:
    return celsius * 9 / 5 + 32


def f_to_c(fahrenheit: float) -> float:
    return (fahrenheit - 32) * 5 / 9


def heat_index_f(t: float, rh: float) -> float:
    """Heat index in °F from air temperature (°F) and relative humidity (%)."""
    simple = 0.5 * (t + 61.0 + (t - 68.0) * 1.2 + rh * 0.094)
    if (simple + t) / 2 < 80:
        return simple
    hi = (-42.379 + 2.04901523 * t + 10.14333127 * rh - 0.22475541 * t * rh
          - 0.00683783 * t * t - 0.05481717 * rh * rh + 0.00122874 * t * t * rh
          + 0.00085282 * t * rh * rh - 0.00000199 * t * t * rh * rh)
    if rh < 13 and 80 <= t <= 112:
        hi -= ((13 - rh) / 4) * math.sqrt((17 - abs(t - 95)) / 17)
    elif rh > 85 and 80 <= t <= 87:
        hi += ((rh - 85) / 10) * ((87 - t) / 5)
    return hi


def category(hi_f: float) -> str | None:
    for threshold, name in CATEGORIES:
        if hi_f >= threshold:
            return name
    return None


def heat_index(temperature_c: float, humidity: float) -> dict:
    """Heat index (°C and °F) and its NWS category for a temperature in °C and RH in %."""
    if not 0 <= humidity <= 100:
        raise ValueError("humidity must be 0-100 %")
    t = c_to_f(temperature_c)
    hi = heat_index_f(t, humidity)
    return {"heat_index_c": round(f_to_c(hi), 1), "heat_index_f": round(hi, 1),
            "category": category(hi), "applicable": t >= 80}
