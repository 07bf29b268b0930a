"""Time-of-use tariffs: the price of each hour of the week, cost, and savings from shifting load.

A tariff is {"currency", "bands": [{"name", "price" (per kWh), "hours": [[from, to], ...]
(local hours, `to` exclusive), "days"?: weekdays 0=Monday..6 (default all)}]}. Every hour of the
week must be priced exactly once, so that no kWh is left without a price or priced twice.
Hours of the week count from Monday 00:00 local time (forecast.time_of_week).
"""

import numpy as np

DEFAULT_TARIFF = {
    "currency": "EUR",
    "bands": [
        {"name": "off_peak", "price": 0.12, "hours": [[0, 7], [23, 24]]},
        {"name": "mid", "price": 0.20, "hours": [[7, 17], [21, 23]], "days": [0, 1, 2, 3, 4]},
        {"name": "peak", "price": 0.32, "hours": [[17, 21]], "days": [0, 1, 2, 3, 4]},
        {"name": "weekend", "price": 0.15, "hours": [[7, 23]], "days": [5, 6]},
    ],
}


def band_table(tariff: dict) -> tuple[np.ndarray, list[dict]]:
    """The band index of each of the 168 hours of the week, and the bands; checks coverage."""
    table = np.full(168, -1)
    bands = tariff.get("bands") or []
    if not bands:
        raise ValueError("bands: a tariff needs at least one band")
    for i, band in enumerate(bands):
        if not isinstance(band.get("price"), int | float) or band["price"] < 0:
            raise ValueError(f"bands[{i}].price: a non-negative number per kWh")
        for day in band.get("days", range(7)):
            for start, end in band.get("hours", []):
                if not (0 <= start < end <= 24 and day in range(7)):
                    raise ValueError(f"bands[{i}].hours: [from, to) within 0-24, days 0-6")
                slots = day * 24 + np.arange(start, end)
                if np.any(table[slots] >= 0):
                    raise ValueError(f"bands[{i}]: hour priced twice")
                table[slots] = i
    if np.any(table < 0):
        day, hour = divmod(int(np.argmax(table < 0)), 24)
        raise ValueError(f"bands: day {day} hour {hour} has no price")
    return table, bands


def prices(tariff: dict) -> np.ndarray:
    """Price per kWh of each hour of the week."""
    table, bands = band_table(tariff)
    return np.array([bands[i]["price"] for i in table], dtype=float)


def cost(kwh, tow, tariff: dict) -> dict:
    """Cost of hourly energy at hours of the week `tow`, in total and per band."""
    kwh, tow = np.asarray(kwh, dtype=float), np.asarray(tow, dtype=int) % 168
    table, bands = band_table(tariff)
    price = np.array([b["price"] for b in bands])[table]
    per_band = {}
    for i, band in enumerate(bands):
        mask = table[tow] == i
        per_band[band["name"]] = {"kwh": round(float(kwh[mask].sum()), 3),
                                  "cost": round(float(np.sum(kwh[mask] * price[tow[mask]])), 4)}
    return {"currency": tariff.get("currency", ""), "kwh": round(float(kwh.sum()), 3),
            "cost": round(float(np.sum(kwh * price[tow])), 4), "bands": per_band}


def shift_savings(kwh, tow, tariff: dict, flexible_share: float) -> dict:
    """Move the flexible share of each hour's load to the cheapest hours of the same day.

    Flexible load (water heating, EV charging, pumps) runs at any hour of its day; it moves from
    each hour to the day's cheapest hour, so savings = Σ moved × (price there − cheapest price
    of that day). Days are local days of the week as `tow` gives them.
    """
    if not 0 <= flexible_share <= 1:
        raise ValueError("flexible_share: between 0 and 1")
    kwh, tow = np.asarray(kwh, dtype=float), np.asarray(tow, dtype=int) % 168
    price = prices(tariff)
    day = tow // 24
    cheapest = {d: 24 * d + int(np.argmin(price[24 * d:24 * d + 24])) for d in set(day.tolist())}
    moves: dict[tuple[int, int], float] = {}
    saving = 0.0
    for energy, hour, d in zip(kwh, tow, day, strict=True):
        to = cheapest[int(d)]
        moved = max(float(energy), 0.0) * flexible_share
        if moved > 0 and price[hour] > price[to]:
            key = (int(hour), to)
            moves[key] = moves.get(key, 0.0) + moved
            saving += moved * float(price[hour] - price[to])
    return {"currency": tariff.get("currency", ""), "saving": round(saving, 4),
            "moved_kwh": round(sum(moves.values()), 3),
            "moves": [{"from_tow": a, "to_tow": b, "kwh": round(v, 3)}
                      for (a, b), v in sorted(moves.items(), key=lambda kv: -kv[1])[:10]]}
