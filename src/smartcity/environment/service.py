"""Environment queries: stations and their districts, hourly means, station AQI, summaries.

Everything reads telemetry through its query functions (rollups for hourly means). A station's
AQI is reported for the last complete clock hour ("hour" is its start, epoch ms), the hour the
derived `aqi` / `eaqi` keys are written for, so the live answer and the stored one agree.
"""

from smartcity.assets.districts import district_of, districts
from smartcity.devices.models import Device
from smartcity.devices.service import devices_of, get_device, location
from smartcity.environment import aqi, station
from smartcity.environment.advice import EAQI_LEVEL_NAMES, EPA_CATEGORY_NAMES, epa_category
from smartcity.errors import bad_request
from smartcity.extensions import db
from smartcity.telemetry.reads import HOUR, history, hourly_means, reporting_end
from smartcity.timeutil import iso

AQ_TYPE, NOISE_TYPE, WEATHER_TYPE = "air_quality_station", "noise_sensor", "weather_station"
ENV_TYPES = (AQ_TYPE, NOISE_TYPE, WEATHER_TYPE)
POLLUTANT_KEYS = station.POLLUTANT_KEYS
MAX_HISTORY_MS = 31 * 24 * HOUR


def series_ending(table: dict[str, dict[int, float]], end: int, hours: int = station.HOURS):
    """The hourly means of the `hours` hours before `end`, most recent first."""
    return {key: [means.get(end - (i + 1) * HOUR) for i in range(hours)]
            for key, means in table.items()}


def station_entry(device: Device, end: int, table: dict, known: dict) -> dict:
    """One station's current AQI, 24-hour-PM AQI and EAQI for the hour ending at `end`."""
    result = station.station_indices(series_ending(table, end))
    district = district_of(device, known)
    entry = {"device_id": device.id, "name": device.name, "asset_id": device.asset_id,
             "district": district["name"] if district else None,
             "district_id": district["id"] if district else None,
             "location": location(device), "hour": end - HOUR, "time": iso(end - HOUR)}
    current = result["aqi"] or {}
    for name in ("aqi", "category", "color", "dominant_pollutant", "sub_indices",
                 "concentrations", "units", "averaging", "beyond_index", "advice",
                 "sensitive_groups"):
        entry[name] = current.get(name)
    daily = result["aqi_24h"]
    entry["aqi_24h"] = {k: daily[k] for k in ("aqi", "category", "dominant_pollutant",
                                              "sub_indices", "averaging")} if daily else None
    level = result["eaqi"]
    entry["eaqi"] = {k: level[k] for k in ("level", "category", "color", "dominant_pollutant",
                                           "sub_levels", "advice")} if level else None
    return entry


def air_quality(at: int | None = None, device_ids: list[str] | None = None) -> dict:
    """Every air-quality station's indices for the last complete hour at `at`."""
    end = reporting_end(at)
    known = districts()
    items = []
    with db.reader() as conn:
        for device in devices_of(AQ_TYPE, device_ids):
            table = hourly_means(conn, device.id, POLLUTANT_KEYS, end - station.HOURS * HOUR,
                                 end)
            items.append(station_entry(device, end, table, known))
    return {"hour": end - HOUR, "time": iso(end - HOUR), "standard": aqi.VERSION_EPA,
            "eaqi_standard": aqi.VERSION_EAQI, "items": items}


def calculate(params: dict) -> dict:
    """The calculator: EPA AQI or EAQI of the concentrations given (already validated)."""
    if params["standard"] == "eaqi":
        given = {p: params.get(p) for p in aqi.EAQI_POLLUTANTS}
        given["o3"] = params.get("o3", params.get("o3_1h"))
        return aqi.eaqi(given)
    notes: list[str] = []
    result = aqi.epa_aqi({p: params.get(p) for p in aqi.EPA_POLLUTANTS}, notes)
    if result is None:  # only a 1-hour ozone below the table
        raise bad_request("o3_1h below 0.125 ppm defines no index; give o3_8h", "o3_1h")
    return result


def summarise(items: list[dict]) -> dict:
    """Worst station, city AQI (the highest, as the TAD reports an area), mean, counts."""
    reporting = [i for i in items if i["aqi"] is not None]
    by_category = dict.fromkeys(EPA_CATEGORY_NAMES, 0)
    by_level = dict.fromkeys(EAQI_LEVEL_NAMES, 0)
    for item in reporting:
        by_category[item["category"]] += 1
    for item in items:
        if item["eaqi"]:
            by_level[item["eaqi"]["category"]] += 1
    worst = max(reporting, key=lambda i: i["aqi"], default=None)
    mean = sum(i["aqi"] for i in reporting) / len(reporting) if reporting else None
    city = epa_category(worst["aqi"]) if worst else None
    worst_eaqi = max((i for i in items if i["eaqi"]), key=lambda i: i["eaqi"]["level"],
                     default=None)
    keep = ("device_id", "name", "district", "aqi", "category", "color", "dominant_pollutant")
    return {"stations": len(items), "reporting": len(reporting),
            "city_aqi": worst["aqi"] if worst else None,
            "category": city.name if city else None, "color": city.color if city else None,
            "advice": city.advice if city else None,
            "dominant_pollutant": worst["dominant_pollutant"] if worst else None,
            "mean_aqi": round(mean, 1) if mean is not None else None,
            "mean_category": epa_category(int(mean + 0.5)).name if mean is not None else None,
            "worst_station": {k: worst[k] for k in keep} if worst else None,
            "stations_per_category": by_category,
            "eaqi": {"worst_level": worst_eaqi["eaqi"]["level"] if worst_eaqi else None,
                     "worst_category": worst_eaqi["eaqi"]["category"] if worst_eaqi else None,
                     "worst_station": worst_eaqi["device_id"] if worst_eaqi else None,
                     "stations_per_level": by_level}}


def summary(at: int | None = None) -> dict:
    answer = air_quality(at)
    return {"hour": answer["hour"], "time": answer["time"], **summarise(answer["items"])}


def aqi_history(device_id: str, start: int, end: int) -> dict:
    """The derived aqi and eaqi values of a station in [start, end), oldest first."""
    get_device(device_id, (AQ_TYPE,))
    if end - start > MAX_HISTORY_MS:
        raise bad_request("at most 31 days per request", "start")
    by_ts: dict[int, dict] = {}
    with db.reader() as conn:
        rows = history(conn, device_id, ["aqi", "eaqi"], start, end)
    for row in rows:
        item = by_ts.setdefault(row.ts, {"ts": row.ts, "time": iso(row.ts), "aqi": None,
                                         "category": None, "color": None, "eaqi": None,
                                         "eaqi_category": None})
        if row.name == "aqi" and row.value is not None:
            category = epa_category(int(row.value))
            item.update(aqi=int(row.value), category=category.name, color=category.color)
        elif row.name == "eaqi" and row.value is not None:
            item.update(eaqi=int(row.value), eaqi_category=EAQI_LEVEL_NAMES[int(row.value) - 1])
    return {"device_id": device_id, "start": start, "end": end,
            "items": [by_ts[ts] for ts in sorted(by_ts)]}
