"""Energy queries: live grid load, consumption, renewables, carbon and cost over a range.

Reads go through telemetry's rollups (series.py); the arithmetic is in the pure modules
(carbon.py, tariffs.py, usage.py). See network.py for what a feeder-head meter measures.
"""

import numpy as np
from flask import current_app

from smartcity.energy import carbon, network, series, tariffs
from smartcity.energy.network import BATTERY, GENERATOR, METER
from smartcity.extensions import db
from smartcity.forecast import time_of_week
from smartcity.telemetry import queries


def _status(utilisation: float | None) -> str:
    config = current_app.config
    if utilisation is None:
        return "unknown"
    if utilisation >= config["ENERGY_OVERLOAD_UTILISATION"]:
        return "overload"
    return "warning" if utilisation >= config["ENERGY_WARNING_UTILISATION"] else "ok"


def _latest(conn, device_type: str, key: str) -> dict[str, tuple[int, float]]:
    return {r.id: (r.ts, r.value) for r in queries.latest_of_type(conn, device_type, [key])
            if r.value is not None}


def feeder_entry(feeder: dict, grid: network.Grid, power: dict, generation: dict) -> dict:
    """A feeder's live load: the net flow its head meter reads, and the demand behind it."""
    head = feeder["head"]
    ts, net = power.get(head, (None, None)) if head else (None, None)
    local = sum(generation.get(g, (0, 0.0))[1] for g in grid.generators
                if grid.generators[g]["feeder"] == feeder["id"])
    capacity = feeder["capacity_kw"]
    load = abs(net) if net is not None else None
    utilisation = load / capacity if load is not None and capacity else None
    return {"id": feeder["id"], "name": feeder["name"], "substation": feeder["substation"],
            "district": feeder["district"], "meter_id": head, "capacity_kw": capacity,
            "ts": ts, "load_kw": None if load is None else round(load, 2),
            "net_kw": None if net is None else round(net, 2),
            "generation_kw": round(local, 2),
            "demand_kw": None if net is None else round(net + local, 2),
            "utilisation": None if utilisation is None else round(utilisation, 4),
            "status": _status(utilisation)}


def grid_status() -> dict:
    """Every feeder's load against its capacity, substations, batteries and the city's totals."""
    grid = network.load_grid()
    with db.reader() as conn:
        power = _latest(conn, METER, "power")
        generation = _latest(conn, GENERATOR, "power")
        soc = _latest(conn, BATTERY, "soc")
        battery_power = _latest(conn, BATTERY, "power")
    feeders = [feeder_entry(f, grid, power, generation) for f in grid.feeders.values()]
    feeders.sort(key=lambda f: -(f["utilisation"] or 0))
    substations = []
    for s in grid.substations.values():
        mine = [f for f in feeders if f["substation"] == s["id"] and f["load_kw"] is not None]
        substations.append({
            "id": s["id"], "name": s["name"], "feeders": len(s["feeders"]),
            "load_kw": round(sum(f["net_kw"] for f in mine), 2),
            "capacity_kw": sum(f["capacity_kw"] or 0 for f in mine),
            "batteries": [{"id": b["id"], "name": b["name"],
                           "soc": soc.get(b["id"], (None, None))[1],
                           "power_kw": battery_power.get(b["id"], (None, None))[1],
                           "capacity_kwh": b["capacity_kwh"], "max_kw": b["max_kw"]}
                          for b in grid.batteries.values() if b["substation"] == s["id"]]})
    metered = sum(v for _, v in power.values())
    generated = sum(max(v, 0.0) for _, v in generation.values())
    demand = metered + generated
    return {"feeders": feeders, "substations": substations,
            "city": {"demand_kw": round(demand, 2), "generation_kw": round(generated, 2),
                     "grid_import_kw": round(metered, 2),
                     "renewable_share": round(generated / demand, 4) if demand > 0 else None,
                     "overloaded": sum(f["status"] == "overload" for f in feeders),
                     "warning": sum(f["status"] == "warning" for f in feeders)},
            "thresholds": {"warning": current_app.config["ENERGY_WARNING_UTILISATION"],
                           "overload": current_app.config["ENERGY_OVERLOAD_UTILISATION"]}}


class Readings:
    """Hourly meter and generator means over a range, aligned, with the grid they belong to."""

    def __init__(self, start: int, end: int):
        self.grid = network.load_grid()
        self.hours = series.hour_range(start, end)
        self.meter_ids, self.generator_ids = list(self.grid.meters), list(self.grid.generators)
        with db.reader() as conn:
            self.meters = series.matrix(conn, self.meter_ids, "power", self.hours)
            self.generators = series.matrix(conn, self.generator_ids, "power", self.hours)
        self.tz = series.timezone()

    def rows(self, group_by: str) -> dict[str, dict]:
        """Per group: metered (its meters' rows), generation behind its feeder heads, import."""
        out: dict[str, dict] = {}
        gen_row = {g: i for i, g in enumerate(self.generator_ids)}
        for i, meter_id in enumerate(self.meter_ids):
            key = self.grid.group_of(meter_id, group_by)
            group = out.setdefault(key, {"metered": np.zeros(self.hours.size),
                                         "generation": np.zeros(self.hours.size),
                                         "import": np.zeros(self.hours.size), "meters": 0})
            reading = np.nan_to_num(self.meters[i])
            group["metered"] += reading
            group["import"] += np.maximum(reading, 0.0)
            group["meters"] += 1
            for g in self.grid.behind(meter_id):
                group["generation"] += np.maximum(np.nan_to_num(self.generators[gen_row[g]]), 0)
        return out

    def name(self, group_by: str, key: str) -> str:
        table = {"district": self.grid.districts, "meter": self.grid.meters,
                 "feeder": self.grid.feeders}.get(group_by, {})
        return table.get(key, {}).get("name", key)

    def coverage(self) -> float | None:
        """Share of meter-hours that have a reading."""
        m = self.meters
        return round(float(np.isfinite(m).mean()), 4) if m.size else None

    def total_generation(self) -> np.ndarray:
        return np.maximum(np.nan_to_num(self.generators), 0).sum(axis=0) if self.generators.size \
            else np.zeros(self.hours.size)


def _points(values: np.ndarray, buckets: np.ndarray) -> list[dict]:
    return [{"ts": b, "value": round(v, 3)} for b, v in series.group_sum(values, buckets)]


def consumption(start: int, end: int, interval: str, group_by: str) -> dict:
    """Energy per group and interval: metered, local generation behind it, consumption."""
    r = Readings(start, end)
    buckets = series.bucket_starts(r.hours, r.tz, interval)
    groups = []
    for key, g in sorted(r.rows(group_by).items()):
        used = g["metered"] + g["generation"]
        groups.append({"id": key, "name": r.name(group_by, key), "meters": g["meters"],
                       "metered_kwh": round(float(g["metered"].sum()), 3),
                       "generation_kwh": round(float(g["generation"].sum()), 3),
                       "consumption_kwh": round(float(used.sum()), 3),
                       "series": _points(used, buckets)})
    return {"start": int(r.hours[0]) if r.hours.size else start, "end": end // series.HOUR
            * series.HOUR, "interval": interval, "group_by": group_by, "unit": "kWh",
            "coverage": r.coverage(), "groups": groups,
            "total_kwh": round(sum(g["consumption_kwh"] for g in groups), 3)}


def renewables(start: int, end: int, interval: str) -> dict:
    """Generation by source, its share of consumption, and self-sufficiency hour by hour."""
    r = Readings(start, end)
    buckets = series.bucket_starts(r.hours, r.tz, interval)
    city = r.rows("district")
    used = sum((g["metered"] + g["generation"] for g in city.values()), np.zeros(r.hours.size))
    generated = r.total_generation()
    sources: dict[str, np.ndarray] = {}
    for i, g in enumerate(r.generator_ids):
        kind = r.grid.generators[g]["kind"]
        sources[kind] = sources.get(kind, np.zeros(r.hours.size)) + np.maximum(
            np.nan_to_num(r.generators[i]), 0)
    total_used, total_gen = float(used.sum()), float(generated.sum())
    # Self-sufficiency counts only generation used in the same hour (Σ min(gen, use) / Σ use):
    # a sunny noon cannot cover the evening peak without storage.
    matched = float(np.minimum(generated, np.maximum(used, 0)).sum())
    return {"interval": interval, "unit": "kWh",
            "consumption_kwh": round(total_used, 3), "generation_kwh": round(total_gen, 3),
            "share": round(total_gen / total_used, 4) if total_used > 0 else None,
            "self_sufficiency": round(matched / total_used, 4) if total_used > 0 else None,
            "self_consumption": round(matched / total_gen, 4) if total_gen > 0 else None,
            "sources": [{"kind": k, "generation_kwh": round(float(v.sum()), 3),
                         "series": _points(v, buckets)} for k, v in sorted(sources.items())],
            "consumption": _points(used, buckets), "generation": _points(generated, buckets)}


def emission_factors(hours: np.ndarray, tz) -> np.ndarray:
    config = current_app.config
    return carbon.factors_for(series.local_hours(hours, tz), config["ENERGY_GRID_FACTOR"],
                              config["ENERGY_GRID_FACTOR_PROFILE"])


def carbon_report(start: int, end: int, interval: str) -> dict:
    """Location-based Scope 2 emissions per district and period, and avoided emissions."""
    r = Readings(start, end)
    ef = emission_factors(r.hours, r.tz)
    buckets = series.bucket_starts(r.hours, r.tz, interval)
    rows = r.rows("district")
    generated = r.total_generation()
    districts = []
    for key, g in sorted(rows.items()):
        districts.append({"id": key, "name": r.name("district", key),
                          "grid_import_kwh": round(float(g["import"].sum()), 3),
                          "emissions_kg": round(carbon.location_based(g["import"], ef), 3),
                          "avoided_kg": round(carbon.avoided(g["generation"], ef), 3)})
    imported = sum((g["import"] for g in rows.values()), np.zeros(r.hours.size))
    periods = []
    for b in sorted(set(buckets.tolist())):
        mask = buckets == b
        periods.append({"ts": b, "period": series.label(b, r.tz, interval),
                        "grid_import_kwh": round(float(imported[mask].sum()), 3),
                        "emissions_kg": round(carbon.location_based(imported[mask], ef[mask]), 3),
                        "avoided_kg": round(carbon.avoided(generated[mask], ef[mask]), 3)})
    config = current_app.config
    return {"method": "location-based (GHG Protocol Scope 2 Guidance)", "unit": "kg CO2e",
            "interval": interval,
            "factor_kg_per_kwh": config["ENERGY_GRID_FACTOR"],
            "hourly_profile": config["ENERGY_GRID_FACTOR_PROFILE"] is not None,
            "city": {"grid_import_kwh": round(float(imported.sum()), 3),
                     "emissions_kg": round(carbon.location_based(imported, ef), 3),
                     "avoided_kg": round(carbon.avoided(generated, ef), 3),
                     "generation_kwh": round(float(generated.sum()), 3)},
            "districts": districts, "periods": periods}


def cost_report(start: int, end: int, group_by: str, flexible_share: float) -> dict:
    """Cost of grid energy per group at the time-of-use tariff, and savings from shifting."""
    r = Readings(start, end)
    tariff = current_app.config["ENERGY_TARIFF"]
    tow = time_of_week(r.hours, series.offsets_h(r.hours, r.tz))
    groups, total, saving = [], 0.0, 0.0
    for key, g in sorted(r.rows(group_by).items()):
        bill = tariffs.cost(g["import"], tow, tariff)
        shift = tariffs.shift_savings(g["import"], tow, tariff, flexible_share)
        total, saving = total + bill["cost"], saving + shift["saving"]
        groups.append({"id": key, "name": r.name(group_by, key), "kwh": bill["kwh"],
                       "cost": bill["cost"], "bands": bill["bands"],
                       "shift_saving": shift["saving"], "shift_moved_kwh": shift["moved_kwh"]})
    return {"currency": tariff.get("currency", ""), "group_by": group_by,
            "flexible_share": flexible_share, "cost": round(total, 4),
            "shift_saving": round(saving, 4), "groups": groups}


def tariff_table() -> dict:
    """The configured tariff and the price of every hour of the week."""
    tariff = current_app.config["ENERGY_TARIFF"]
    price = tariffs.prices(tariff)
    return {"tariff": tariff, "timezone": current_app.config["ENERGY_TIMEZONE"],
            "prices": [[float(p) for p in price[d * 24:(d + 1) * 24]] for d in range(7)]}
