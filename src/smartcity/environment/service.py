"""Environment queries: stations and their districts, hourly means, station AQI, summaries.

Everything reads telemetry through its query functions (rollups for hourly means). A station's
AQI is reported for the last complete clock hour ("hour" is its start, epoch ms), the hour the
derived `aqi` / `eaqi` keys are written for, so the live answer and the stored one agree.
"""

from flask import current_app
from sqlalchemy import select

from smartcity.assets.models import Asset
from smartcity.devices.models import Device
from smartcity.environment import aqi, station
from smartcity.environment.advice import EAQI_LEVEL_NAMES, EPA_CATEGORY_NAMES, epa_category
from smartcity.errors import bad_request, not_found
from smartcity.extensions import db
from smartcity.telemetry import queries
from smartcity.telemetry.keys import key_dictionary
from smartcity.timeutil import iso, now_ms

HOUR = 3_600_000
AQ_TYPE, NOISE_TYPE, WEATHER_TYPE = "air_quality_station", "noise_sensor", "weather_station"
ENV_TYPES = (AQ_TYPE, NOISE_TYPE, WEATHER_TYPE)
POLLUTANT_KEYS = station.POLLUTANT_KEYS
MAX_HISTORY_MS = 31 * 24 * HOUR


def devices_of(device_type: str, device_ids: list[str] | None = None) -> list[Device]:
    stmt = select(Device).where(Device.type == device_type).order_by(Device.id)
    if device_ids:
        stmt = stmt.where(Device.id.in_(device_ids))
    return list(db.session.scalars(stmt))


def get_device(device_id: str, types=ENV_TYPES) -> Device:
    device = db.session.get(Device, device_id)
    if device is None or device.type not in types:
        raise not_found(" or ".join(t.replace("_", " ") for t in types))
    return device


def districts() -> dict[str, dict]:
    """Every district asset: {id: {id, name, kind, population, centre (lat, lon)}}."""
    return {a.id: {"id": a.id, "name": a.name, "kind": (a.properties or {}).get("kind"),
                   "population": (a.properties or {}).get("population"),
                   "centre": centre(a.geometry)}
            for a in db.session.scalars(select(Asset).where(Asset.type == "district")
                                        .order_by(Asset.id))}


def centre(geometry: dict | None) -> tuple[float, float] | None:
    """Mean vertex of a polygon's outer ring, or a point: (lat, lon)."""
    if not geometry:
        return None
    if geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"][:2]
        return lat, lon
    if geometry.get("type") == "Polygon":
        ring = geometry["coordinates"][0][:-1] or geometry["coordinates"][0]
        return (sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring))
    return None


def district_of(device: Device, known: dict[str, dict]) -> dict | None:
    """The district a device belongs to: its asset, or the nearest district above it."""
    asset_id, seen = device.asset_id, set()
    while asset_id and asset_id not in known and asset_id not in seen:
        seen.add(asset_id)
        asset = db.session.get(Asset, asset_id)
        asset_id = asset.parent_id if asset is not None else None
    return known.get(asset_id) if asset_id else None


def location(device: Device) -> dict | None:
    loc = device.location or {}
    return {"lat": loc["lat"], "lon": loc["lon"]} if "lat" in loc and "lon" in loc else None


def reporting_end(at: int | None = None) -> int:
    """End of the last complete clock hour at `at` (default now)."""
    return (now_ms() if at is None else at) // HOUR * HOUR


def hourly_means(conn, device_id: str, keys, start: int, end: int) -> dict[str, dict[int, float]]:
    """{key: {hour start: mean}} of a device over [start, end) from the hourly rollups."""
    ids = key_dictionary(current_app).known_ids(conn, list(keys))
    buckets = queries.aggregate(conn, [device_id], list(ids.values()), start, end, HOUR)
    return {key: {b: bucket.value("avg") for b, bucket in buckets[ids[key]].items()}
            for key in ids}


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
        ids = key_dictionary(current_app).known_ids(conn, ["aqi", "eaqi"])
        rows = queries.history(conn, device_id, ids, start, end, None).all() if ids else []
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
