"""Environment domain: air quality (US EPA AQI, EU EAQI), noise, weather, health advice."""

from smartcity.domain import Domain
from smartcity.environment import derived, events, kpis, service, weather_compare
from smartcity.environment.noise import DEFAULT_LIMITS

domain = Domain(
    "environment", "Environment", routes="smartcity.environment.routes",
    device_types=service.ENV_TYPES, alert_events=True,
    page_script="js/pages/environment.js", order=10,
    defaults={
        "ENVIRONMENT_TIMEZONE": "UTC",  # the city's local time: noise periods, noise days
        "ENVIRONMENT_NOISE_LIMITS": DEFAULT_LIMITS,  # district type -> {day, evening, night}
        "ENVIRONMENT_DERIVED_INTERVAL": 300,  # seconds between runs of the derived-values job
        "ENVIRONMENT_DERIVED_DELAY_S": 60,  # an hour is computed this long after it ends
        "ENVIRONMENT_BACKFILL_HOURS": 48,  # hours the job looks back for missing values
        # stations against the weather provider (WEATHER_API_KEY): thresholds and job interval
        "ENVIRONMENT_WEATHER_MAX_DIFF_C": 5.0,
        "ENVIRONMENT_WEATHER_MAX_DIFF_RH": 20.0,
        "ENVIRONMENT_WEATHER_COMPARE_INTERVAL": 900,
    })
domain.job("environment_derived", "ENVIRONMENT_DERIVED_INTERVAL")(derived.write_derived)
domain.job("weather_compare", "ENVIRONMENT_WEATHER_COMPARE_INTERVAL")(weather_compare.check)
domain.after_commit(events.CategoryWatch)
domain.on_city(events.create_default_rules)
domain.kpi("pm25_mean", "PM2.5 concentration", "µg/m³", target=5.0, better="lower",
           iso="ISO 37120 8.1 fine particulate matter (PM2.5) concentration",
           definition="Mean of the air-quality stations' hourly PM2.5 means over the period "
                      "(every station-hour with a reading). Target: the WHO 2021 annual "
                      "guideline, 5 µg/m³.")(kpis.pm25_mean)
domain.kpi("good_aqi_hours", "Hours with good air (AQI ≤ 50)", "%", target=90.0,
           better="higher", iso=None,
           definition="Share of station-hours in the period whose hourly US EPA AQI is at most "
                      "50 (Good). No ISO 37120/37122 indicator counts AQI hours; this follows "
                      "the brief of issue #23.")(kpis.good_aqi_share)


@domain.snapshot
def snapshot() -> dict:
    """What request_real_time_data {data_type: "environment"} answers."""
    answer = service.air_quality()
    keep = ("device_id", "name", "district", "aqi", "category", "color", "dominant_pollutant")
    return {"summary": service.summarise(answer["items"]), "hour": answer["hour"],
            "stations": [{k: item[k] for k in keep} | {
                "eaqi": item["eaqi"]["level"] if item["eaqi"] else None}
                for item in answer["items"]]}


@domain.tile("air-quality", "Air quality")
def air_quality_tile() -> dict:
    """The overview tile: the city's AQI (its worst station, as the TAD reports an area)."""
    summary = service.summary()
    aqi = summary["city_aqi"]
    if aqi is None:
        return {"value": "—", "detail": "no station has an AQI yet", "status": "ok"}
    status = "ok" if aqi <= 100 else ("warning" if aqi <= 150 else "alarm")
    worst = summary["worst_station"]
    return {"value": aqi, "unit": "US AQI", "status": status, "category": summary["category"],
            "color": summary["color"],
            "detail": f"{summary['category']} · worst {worst['name'] or worst['device_id']} · "
                      f"mean {summary['mean_aqi']:g}"}
