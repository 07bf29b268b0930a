from flask import Blueprint, current_app, request

from smartcity.alerts import service as alarms
from smartcity.alerts.models import Alarm
from smartcity.auth.guard import require_role
from smartcity.environment import data, reports, service, weather_compare
from smartcity.environment.schemas import (
    at_schema,
    calculator_schema,
    data_query_schema,
    default_noise_day,
    entry_time,
    manual_entry_schema,
    noise_day_schema,
    trends_schema,
    weather_compare_schema,
)
from smartcity.extensions import db
from smartcity.http import json_body
from smartcity.pagination import page_response, paginate
from smartcity.telemetry.params import time_range
from smartcity.validation import load

bp = Blueprint("environment", __name__, url_prefix="/api/environment")


def _at() -> int | None:
    return load(at_schema, request.args).get("at")


@bp.get("/aqi")
@require_role("viewer")
def calculate_aqi():
    """Compute the US EPA AQI or the EAQI from concentrations (standard=epa|eaqi)."""
    return service.calculate(load(calculator_schema, request.args))


@bp.get("/air-quality")
@require_role("viewer")
def list_air_quality():
    """Give every station's AQI, sub-indices and EAQI for the last complete hour (at=)."""
    ids = [i for i in request.args.get("device_id", "").split(",") if i] or None
    return service.air_quality(_at(), ids)


@bp.get("/air-quality/summary")
@require_role("viewer")
def get_air_quality_summary():
    """Summarise air quality: city AQI, worst station, mean, stations per category."""
    return service.summary(_at())


@bp.get("/air-quality/<device_id>")
@require_role("viewer")
def get_station_air_quality(device_id):
    """Give one station's AQI, sub-indices and EAQI for the last complete hour (at=)."""
    service.get_device(device_id, (service.AQ_TYPE,))
    return service.air_quality(_at(), [device_id])["items"][0]


@bp.get("/air-quality/<device_id>/history")
@require_role("viewer")
def get_aqi_history(device_id):
    """List a station's hourly derived AQI and EAQI (start, end; default the last day)."""
    start, end = time_range()
    return service.aqi_history(device_id, start, end)


@bp.get("/data")
@require_role("viewer")
def list_data():
    """List environment stations with their readings (device_id, device_type, keys, start, end)."""
    args = load(data_query_schema, request.args)
    args["device_ids"] = args.pop("device_id", None)
    return data.readings(args)


@bp.post("/data")
@require_role("operator")
def add_data():
    """Enter readings of an environment station by hand (through the ingest pipeline)."""
    body = load(manual_entry_schema, json_body())
    body["ts"] = entry_time(body.get("ts"))
    return data.enter(body), 201


@bp.get("/alerts")
@require_role("viewer")
def list_environment_alerts():
    """List environment alarms, newest first (status, severity, type, originator, start, end)."""
    query = alarms.list_query({**request.args.to_dict(), "domain": "environment"})
    rows, cursor = paginate(db.session, query, [Alarm.id], descending=True)
    return page_response([alarms.to_dict(a) for a in rows], cursor)


@bp.get("/noise")
@require_role("viewer")
def get_noise():
    """Give each noise sensor's LAeq over the last complete hour against its limit (at=)."""
    return reports.noise_status(_at())


@bp.get("/noise/daily")
@require_role("viewer")
def get_noise_day():
    """Give each noise sensor's Ld, Le, Ln and Lden for a day (date=YYYY-MM-DD, local time)."""
    day = load(noise_day_schema, request.args).get("date") or default_noise_day(
        reports.city_timezone())
    return reports.noise_day(day.isoformat())


@bp.get("/weather")
@require_role("viewer")
def get_weather():
    """Give each weather station's latest readings with the heat index."""
    return reports.weather_now()


@bp.get("/weather/compare")
@require_role("viewer")
def get_weather_compare():
    """Compare each weather station with the weather provider (status says if it cannot)."""
    args = load(weather_compare_schema, request.args)
    return weather_compare.compare(args.get("device_id"))


@bp.get("/pollution/trends")
@require_role("viewer")
def get_pollution_trends():
    """Give daily means and week-over-week change per pollutant and station (days, at)."""
    args = load(trends_schema, request.args)
    return reports.pollution_trends(args["days"], args.get("device_id"),
                                    args.get("pollutants") or list(service.POLLUTANT_KEYS),
                                    args.get("at"))


@bp.get("/health-impact")
@require_role("viewer")
def get_health_impact():
    """Give residents per AQI category from district populations (at=)."""
    return reports.health_impact(_at())


@bp.get("/config")
@require_role("viewer")
def get_config():
    """Give the noise limits per district type and the city's time zone."""
    return {"timezone": current_app.config["ENVIRONMENT_TIMEZONE"],
            "noise_limits": current_app.config["ENVIRONMENT_NOISE_LIMITS"]}
