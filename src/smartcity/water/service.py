"""Water queries: the network's live state, consumption per DMA from the rollups, and the
nightly minimum-night-flow analysis of every DMA from its stored inlet flow."""

from flask import current_app

from smartcity.extensions import db
from smartcity.telemetry import reads
from smartcity.water import burst, leakage, metering, quality
from smartcity.water.network import BAR_TO_M, Dma, load_dmas

HOUR = 3_600_000
DAY = 24 * HOUR
INTERVALS = {"hour": HOUR, "day": DAY, "week": 7 * DAY}


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _newest(conn, device_ids: list[str], key: str) -> dict[str, dict]:
    out = {}
    for device_id in device_ids:
        value = reads.latest(conn, device_id, [key]).get(key)
        if value is not None:
            out[device_id] = value
    return out


def network() -> list[dict]:
    """Every DMA with its devices and their newest inlet flow (m3/h) and pressure (bar)."""
    dmas = load_dmas()
    items = []
    with db.reader() as conn:
        for dma in dmas:
            flows = _newest(conn, dma.inlets, "flow")
            pressures = _newest(conn, dma.pressure, "pressure")
            positions = _newest(conn, dma.valves, "position")
            items.append(dma.public() | {
                "inlet_flow_m3h": sum(v["value"] for v in flows.values()) if flows else None,
                "pressure_bar": {d: v["value"] for d, v in pressures.items()},
                "min_pressure_bar": min((v["value"] for v in pressures.values()), default=None),
                "valve_position": {d: v["value"] for d, v in positions.items()},
                "readings": {"flow": flows, "pressure": pressures}})
    return items


def consumption(start: int, end: int, interval: str) -> list[dict]:
    """Water into each DMA (m3) per hour/day/week bucket (or calendar month, from the days):
    the inlet's mean flow (m3/h) from the rollups times the hours the bucket covers, and the
    total."""
    step = INTERVALS.get(interval, DAY)
    items = []
    with db.reader() as conn:
        for dma in load_dmas():
            found = reads.buckets(conn, dma.inlets, ["flow"], start, end, step).get("flow", {})
            volumes, hours = {}, {}
            for bucket_start in sorted(found):
                covered = (min(bucket_start + step, end) - max(bucket_start, start)) / HOUR
                volumes[bucket_start] = found[bucket_start].value("avg") * len(dma.inlets) \
                    * covered
                hours[bucket_start] = covered
            if interval == "month":
                volumes = metering.group_volumes(volumes, "month")
                hours = metering.group_volumes(hours, "month")
            series = [{"ts": ts, "mean_flow_m3h": volumes[ts] / hours[ts],
                       "volume_m3": volumes[ts]} for ts in sorted(volumes)]
            items.append({"dma": dma.id, "name": dma.name, "population": dma.population,
                          "series": series,
                          "total_m3": sum(s["volume_m3"] for s in series)})
    return items


def customer_consumption(start: int, end: int, interval: str,
                         dma_id: str | None = None) -> list[dict]:
    """Each customer meter's consumption (m3) per day, ISO week or calendar month from its
    register's daily rollups (metering.register_consumption), with the total; `start` is taken
    from its midnight (UTC), the rollups' day."""
    start = start // DAY * DAY
    items = []
    with db.reader() as conn:
        for dma in load_dmas():
            if dma_id and dma.id != dma_id:
                continue
            for meter in dma.bulk:
                found = reads.buckets(conn, [meter], ["volume"], start - 7 * DAY, end,
                                      DAY).get("volume", {})
                daily = {ts: (b.min, b.max) for ts, b in found.items()
                         if b.min is not None}
                series = metering.register_consumption(daily, start, interval)
                items.append({"device_id": meter, "dma": dma.id, "dma_name": dma.name,
                              "location": dma.locations.get(meter), "series": series,
                              "total_m3": sum(p["volume_m3"] for p in series)})
    return items


def night_window(night_start: int) -> tuple[int, int]:
    """[start, end) of the minimum-night-flow window of the night beginning at midnight."""
    config = current_app.config
    return (night_start + config["WATER_NIGHT_START_H"] * HOUR,
            night_start + config["WATER_NIGHT_END_H"] * HOUR)


def last_night(at: int) -> int:
    """Midnight (UTC) of the newest night whose window has ended at `at`."""
    midnight = at // DAY * DAY
    return midnight if at >= night_window(midnight)[1] else midnight - DAY


def _hourly(samples: list[tuple[int, float]]) -> dict[int, float]:
    by_hour: dict[int, list[float]] = {}
    for ts, value in samples:
        by_hour.setdefault(ts // HOUR * HOUR, []).append(value)
    return {h: sum(v) / len(v) for h, v in by_hour.items()}


def _total_hourly(series: dict[str, list[tuple[int, float]]]) -> dict[int, float]:
    """Hourly mean of each device, summed over the devices that reported in every hour."""
    per_device = [_hourly(s) for s in series.values() if s]
    hours = set.intersection(*(set(h) for h in per_device)) if per_device else set()
    return {h: sum(d[h] for d in per_device) for h in hours}


def analyse_dma(conn, dma: Dma, night_start: int) -> dict:
    """The minimum-night-flow analysis of one DMA for one night, from stored readings.

    MNF is the lowest hourly mean inlet flow in the night window; the legitimate night use is
    the residents' (population x active fraction x litres per hour) plus the metered bulk
    customers' own flow at that hour; the hour-day factor comes from the DMA's pressure over
    the day before the night's end (FAVAD, N1 = WATER_N1), or 24 without a full profile.
    """
    config = current_app.config
    start, end = night_window(night_start)
    base = {"dma": dma.id, "name": dma.name, "population": dma.population, "night": night_start,
            "window": {"start": start, "end": end}, "centre": dma.public()["centre"]}
    inlet = _total_hourly(reads.samples_of(conn, dma.inlets, "flow", start, end))
    if not inlet:
        return base | {"status": "no_data"}
    mnf_hour = min(inlet, key=inlet.get)
    bulk = _hourly_at(reads.samples_of(conn, dma.bulk, "flow", start, end), mnf_hour)
    profile = _total_hourly(reads.samples_of(conn, dma.pressure[:1], "pressure",
                                             end - DAY, end)) if dma.pressure else {}
    hours = [end - DAY + i * HOUR for i in range(24)]
    if all(h in profile for h in hours):
        hdf = leakage.hour_day_factor([profile[h] for h in hours], hours.index(mnf_hour),
                                      config["WATER_N1"])
        hdf_source = "pressure"
    else:
        hdf, hdf_source = leakage.DEFAULT_HOUR_DAY_FACTOR, "default"
    result = leakage.night_flow_analysis(
        inlet[mnf_hour], dma.population, config["WATER_ACTIVE_FRACTION"],
        config["WATER_NIGHT_USE_LPH"], len(dma.bulk) if bulk else 0,
        bulk * 1000 / len(dma.bulk) if bulk else 0, hdf)
    out = base | {"status": "ok", "min_night_flow_m3h": inlet[mnf_hour],
                  "min_night_flow_at": mnf_hour, "bulk_night_flow_m3h": bulk,
                  "hour_day_factor": hdf, "hour_day_factor_source": hdf_source,
                  **result.__dict__}
    pressure = _mean(profile.values())
    out["avg_pressure_bar"] = pressure
    try:
        index = leakage.ili(max(result.leakage_m3_per_day, 0.0),
                            float(dma.properties.get("mains_km") or 0),
                            float(dma.properties.get("connections") or 0),
                            (pressure or 0) * BAR_TO_M)
        out["uarl_m3_per_day"], out["ili"] = index["uarl_m3_per_day"], index["ili"]
    except leakage.Undefined:
        out["uarl_m3_per_day"] = out["ili"] = None
    return out


def _hourly_at(series: dict[str, list[tuple[int, float]]], hour: int) -> float:
    """The summed hourly mean flow of some meters at one hour (0 without readings)."""
    return sum(_hourly(s).get(hour, 0.0) for s in series.values())


def leaks(night_start: int) -> list[dict]:
    """Every DMA's night analysis, the biggest estimated leakage first; DMAs without data last."""
    with db.reader() as conn:
        items = [analyse_dma(conn, dma, night_start) for dma in load_dmas()]
    return sorted(items, key=lambda i: (i["status"] != "ok",
                                        -(i.get("leakage_m3_per_day") or 0)))


def night_mnf(conn, dma: Dma, night_start: int) -> float | None:
    """The DMA's minimum night flow (lowest hourly mean inlet flow of the window), or None."""
    start, end = night_window(night_start)
    inlet = _total_hourly(reads.samples_of(conn, dma.inlets, "flow", start, end))
    return min(inlet.values()) if inlet else None


def burst_check(night_start: int) -> list[dict]:
    """Each DMA's night against its previous WATER_BURST_BASELINE_NIGHTS nights: the analysis
    and, under "burst", the suspected burst (burst.sudden_rise) or None."""
    config = current_app.config
    out = []
    with db.reader() as conn:
        for dma in load_dmas():
            tonight = analyse_dma(conn, dma, night_start)
            if tonight["status"] != "ok":
                out.append(tonight | {"burst": None})
                continue
            previous = [night_mnf(conn, dma, night_start - n * DAY)
                        for n in range(1, config["WATER_BURST_BASELINE_NIGHTS"] + 1)]
            found = burst.sudden_rise(
                tonight["min_night_flow_m3h"], [v for v in previous if v is not None],
                tonight["hour_day_factor"], config["WATER_BURST_MIN_NIGHTS"],
                config["WATER_BURST_RISE_FRACTION"], config["WATER_BURST_MIN_RISE_M3H"])
            out.append(tonight | {"burst": found})
    return out


def water_quality(start: int, end: int) -> dict:
    """Every quality sensor's newest pH, turbidity and chlorine with their status against the
    limits, and over [start, end) each parameter's min, max and share of samples within them."""
    limits = quality.limits(current_app.config)
    items = []
    with db.reader() as conn:
        for dma in load_dmas():
            for device_id in dma.quality:
                newest = reads.latest(conn, device_id, list(quality.PARAMETERS))
                parameters = {}
                for name in quality.PARAMETERS:
                    values = [v for _, v in reads.samples(conn, device_id, name, start, end)]
                    now = newest.get(name)
                    parameters[name] = {
                        "value": now["value"] if now else None, "ts": now["ts"] if now else None,
                        "status": quality.classify(now["value"] if now else None, limits[name]),
                        "min": min(values, default=None), "max": max(values, default=None),
                        "samples": len(values),
                        "compliance_pct": quality.compliance(values, limits[name])}
                states = {p["status"] for p in parameters.values()} - {None}
                items.append({"device_id": device_id, "dma": dma.id, "dma_name": dma.name,
                              "location": dma.locations.get(device_id),
                              "status": ("no_data" if not states else "ok" if states == {"ok"}
                                         else "out_of_limits"),
                              "parameters": parameters})
    return {"start": start, "end": end, "limits": limits, "items": items,
            "out_of_limits": sum(i["status"] == "out_of_limits" for i in items)}


def pressure_drops(now: int) -> list[dict]:
    """Every DMA's pressure sensors, each over the last WATER_DROP_WINDOW_MIN against the
    WATER_DROP_BASELINE_MIN before it, and the suspected burst when enough dropped together
    (burst.simultaneous_drop); status "too_few_sensors" where the DMA has fewer than
    WATER_DROP_MIN_SENSORS pressure sensors."""
    config = current_app.config
    window = config["WATER_DROP_WINDOW_MIN"] * 60_000
    baseline = config["WATER_DROP_BASELINE_MIN"] * 60_000
    items = []
    with db.reader() as conn:
        for dma in load_dmas():
            base = {"dma": dma.id, "name": dma.name, "at": now,
                    "window": {"start": now - window, "end": now}}
            if len(dma.pressure) < config["WATER_DROP_MIN_SENSORS"]:
                items.append(base | {"status": "too_few_sensors", "sensors": {},
                                     "burst": None})
                continue
            series = reads.samples_of(conn, dma.pressure, "pressure",
                                      now - window - baseline, now)
            sensors = {s: burst.sensor_drop(series[s], now, window, baseline,
                                            config["WATER_DROP_MIN_BAR"],
                                            config["WATER_DROP_NOISE_K"])
                       for s in dma.pressure}
            found = burst.simultaneous_drop(sensors, config["WATER_DROP_MIN_SENSORS"])
            items.append(base | {"status": "ok" if any(sensors.values()) else "no_data",
                                 "sensors": sensors, "burst": found})
    return items
