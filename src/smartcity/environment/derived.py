"""The scheduled job that writes the environment's derived values through the pipeline.

Per complete clock hour (the point's ts is the hour's start, as hourly rollups label it):
  air-quality stations  aqi (current US EPA AQI) and eaqi (EAQI level 1-6);
  noise sensors         laeq_1h (energy mean of the hour, dB(A)) and noise_exceedance (dB above
                        the limit of the hour's period for the sensor's district type).
Each run fills the hours of the last ENVIRONMENT_BACKFILL_HOURS that have no value yet, so a
restart or a history backfill catches up; storage keeps the first value written for an hour.
Runs start ENVIRONMENT_DERIVED_DELAY_S after the hour, leaving late readings time to arrive.
"""

import logging
from zoneinfo import ZoneInfo

from smartcity.assets.districts import district_of, districts
from smartcity.devices.service import devices_of
from smartcity.environment import noise, service, station
from smartcity.extensions import db
from smartcity.telemetry.points import Point
from smartcity.telemetry.reads import (
    HOUR,
    hourly_means,
    reporting_end,
    samples,
    stored_times,
    submit_derived,
)
from smartcity.timeutil import now_ms

log = logging.getLogger(__name__)


def station_points(conn, device, end: int, hours: int) -> list[Point]:
    """aqi/eaqi points for the hours before `end` that have none."""
    start = end - hours * HOUR
    stored = stored_times(conn, device.id, "aqi", start, end)
    table = hourly_means(conn, device.id, station.POLLUTANT_KEYS,
                                 start - station.HOURS * HOUR, end)
    points = []
    for hour in range(start, end, HOUR):
        if hour in stored:
            continue
        result = station.station_indices(service.series_ending(table, hour + HOUR))
        if result["aqi"] is not None:
            points.append(Point(device.id, "aqi", hour, float(result["aqi"]["aqi"]), None))
        if result["eaqi"] is not None:
            points.append(Point(device.id, "eaqi", hour, float(result["eaqi"]["level"]), None))
    return points


def noise_points(conn, device, end: int, hours: int, limits: dict | None,
                 tz: ZoneInfo) -> list[Point]:
    """laeq_1h/noise_exceedance points for the complete hours before `end` that have none."""
    start = end - hours * HOUR
    levels = samples(conn, device.id, "laeq", start, end)
    if not levels:
        return []
    stored = stored_times(conn, device.id, "laeq_1h", start, end)
    points = []
    for hour, entry in noise.hourly_leq(levels, tz).items():
        if hour in stored or hour < start or hour + HOUR > end:
            continue  # hours cut by the window (local zones off the UTC hour) wait for the next
        points.append(Point(device.id, "laeq_1h", hour, round(entry["leq"], 2), None))
        if limits:
            excess = noise.exceedance(entry["leq"], entry["period"], limits)
            points.append(Point(device.id, "noise_exceedance", hour, round(excess, 2), None))
    return points


def write_derived(app, now: int | None = None) -> dict:
    """The job: compute what is missing and submit it as derived points; wait for the commit."""
    config = app.config
    now = now_ms() if now is None else now
    end = reporting_end(now - config["ENVIRONMENT_DERIVED_DELAY_S"] * 1000)
    hours = config["ENVIRONMENT_BACKFILL_HOURS"]
    tz = ZoneInfo(config["ENVIRONMENT_TIMEZONE"])
    known = districts()
    points: list[Point] = []
    with db.reader() as conn:
        for device in devices_of(service.AQ_TYPE):
            points += station_points(conn, device, end, hours)
        for device in devices_of(service.NOISE_TYPE):
            district = district_of(device, known)
            limits = noise.limits_for(district["kind"] if district else None,
                                      config["ENVIRONMENT_NOISE_LIMITS"])
            points += noise_points(conn, device, end, hours, limits, tz)
    db.session.remove()
    stored, error = submit_derived(points)
    if error is not None:
        log.warning("environment derived values not stored: %s", error)
    return {"points": len(points), "stored": stored, "hour_end": end}
