"""Environment reports over stored readings: noise per hour and per day, weather with heat index,
pollution trends and the population's exposure."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from smartcity.assets.districts import district_of, districts
from smartcity.devices.service import devices_of, location
from smartcity.environment import exposure, noise, service, trends, weather
from smartcity.environment.advice import epa_category
from smartcity.extensions import db
from smartcity.telemetry import reads
from smartcity.telemetry.reads import HOUR, reporting_end
from smartcity.timeutil import iso, now_ms

DAY = trends.DAY_MS
UNITS = {"pm25": "µg/m³", "pm10": "µg/m³", "no2": "µg/m³", "o3": "µg/m³", "so2": "µg/m³",
         "co": "mg/m³"}


def city_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["ENVIRONMENT_TIMEZONE"])


def _limits(device, known) -> tuple[dict | None, str | None]:
    district = district_of(device, known)
    kind = district["kind"] if district else None
    return noise.limits_for(kind, current_app.config["ENVIRONMENT_NOISE_LIMITS"]), kind


def sensor_entry(device, known) -> dict:
    district = district_of(device, known)
    return {"device_id": device.id, "name": device.name, "location": location(device),
            "district": district["name"] if district else None,
            "district_id": district["id"] if district else None}


def noise_status(at: int | None = None) -> dict:
    """Each noise sensor's LAeq over the last complete hour against its district's limit."""
    end, tz, known = reporting_end(at), city_timezone(), districts()
    period = noise.period_of(noise.local_hour(end - HOUR, tz).hour)
    items = []
    with db.reader() as conn:
        for device in devices_of(service.NOISE_TYPE):
            samples = reads.samples(conn, device.id, "laeq", end - HOUR, end)
            level = noise.leq(v for _, v in samples)
            limits, kind = _limits(device, known)
            limit = limits[period] if limits else None
            latest = reads.latest(conn, device.id, ["laeq", "lamax"])
            items.append({**sensor_entry(device, known), "district_type": kind, "period": period,
                          "laeq_1h": round(level, 1) if level is not None else None,
                          "samples": len(samples), "limit": limit,
                          "exceedance_db": round(level - limit, 1) if None not in (
                              level, limit) else None,
                          "exceeded": level > limit if None not in (level, limit) else None,
                          "latest": latest})
    return {"hour": end - HOUR, "time": iso(end - HOUR), "period": period,
            "timezone": tz.key, "items": items}


def noise_day(day: str) -> dict:
    """Ld, Le, Ln, Lden of every noise sensor for one noise day (07:00 to 07:00, local)."""
    tz, known = city_timezone(), districts()
    start, end = noise.noise_day_bounds(day, tz)
    items = []
    with db.reader() as conn:
        for device in devices_of(service.NOISE_TYPE):
            samples = reads.samples(conn, device.id, "laeq", start, end)
            limits, kind = _limits(device, known)
            result = noise.day_indicators(samples, tz, limits)
            hours = noise.hourly_leq(samples, tz)
            over = [iso(h) for h, e in hours.items()
                    if limits and e["leq"] > limits[e["period"]]]
            items.append({**sensor_entry(device, known), "district_type": kind,
                          **{k: round(v, 1) if isinstance(v, float) else v
                             for k, v in result.items()}, "hours_exceeding": over})
    return {"day": day, "start": iso(start), "end": iso(end), "timezone": tz.key,
            "items": items}


def weather_now() -> dict:
    """Each weather station's latest readings with the NWS heat index."""
    known = districts()
    items = []
    with db.reader() as conn:
        for device in devices_of(service.WEATHER_TYPE):
            values = reads.latest(conn, device.id)
            entry = {**sensor_entry(device, known),
                     "values": {k: v["value"] for k, v in values.items()},
                     "ts": max((v["ts"] for v in values.values()), default=None)}
            temperature = values.get("temperature", {}).get("value")
            humidity = values.get("humidity", {}).get("value")
            heat = None
            if isinstance(temperature, int | float) and isinstance(humidity, int | float) \
                    and 0 <= humidity <= 100:
                heat = weather.heat_index(temperature, humidity)
                heat = heat if heat["applicable"] else None  # cool air: no heat index
            entry.update(temperature=temperature, humidity=humidity,
                         heat_index_c=heat and heat["heat_index_c"],
                         heat_index_f=heat and heat["heat_index_f"],
                         heat_index_category=heat and heat["category"])
            items.append(entry)
    return {"items": items}


def pollution_trends(days: int, device_ids: list[str] | None, pollutants: list[str],
                     at: int | None = None) -> dict:
    """Daily means (UTC days) of each pollutant per station and the week-over-week change."""
    last_day = (now_ms() if at is None else at) // DAY * DAY
    start, end = last_day - (days - 1) * DAY, last_day + DAY
    day_starts = list(range(start, end, DAY))
    items = []
    with db.reader() as conn:
        for device in devices_of(service.AQ_TYPE, device_ids):
            buckets = reads.buckets(conn, [device.id], pollutants, start, end, DAY)
            for pollutant in pollutants:
                days_found = buckets.get(pollutant, {})
                daily = trends.daily_means({d: (b.count, b.sum) for d, b in days_found.items()})
                items.append({"device_id": device.id, "name": device.name,
                              "pollutant": pollutant, "unit": UNITS[pollutant],
                              "daily": [{"day": _date(d), "ts": d, "mean": daily.get(d)}
                                        for d in day_starts],
                              **trends.week_over_week(daily, last_day)})
    return {"days": [_date(d) for d in day_starts], "start": start, "end": end, "items": items}


def _date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()


def health_impact(at: int | None = None) -> dict:
    """Residents per AQI category from district populations and their stations' AQI."""
    answer = service.air_quality(at)
    known = districts()
    stations = [{"device_id": i["device_id"], "asset_id": i["district_id"], "aqi": i["aqi"],
                 "location": (i["location"]["lat"], i["location"]["lon"]) if i["location"]
                 else None} for i in answer["items"]]
    areas = exposure.district_aqi(
        [{"id": d["id"], "name": d["name"], "population": d["population"] or 0,
          "centre": d["centre"]} for d in known.values()], stations)
    for district in areas:
        district.pop("centre", None)
        category = epa_category(district["aqi"]) if district["aqi"] is not None else None
        district["category"] = category.name if category else None
    return {"hour": answer["hour"], "time": answer["time"],
            **exposure.population_exposure(areas), "districts": areas}
