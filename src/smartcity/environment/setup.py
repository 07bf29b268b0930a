"""Wire the environment domain in: derived-value job, live updates, snapshot, dashboard, rules."""

from smartcity.assets.service import add_city_listener
from smartcity.dashboard.tiles import register_page, register_tile
from smartcity.environment import derived, events, service
from smartcity.environment.noise import DEFAULT_LIMITS
from smartcity.jobs.scheduler import get_scheduler
from smartcity.realtime.setup import add_snapshot_provider
from smartcity.telemetry.pipeline import get_pipeline

DEFAULTS = {
    "ENVIRONMENT_TIMEZONE": "UTC",  # the city's local time: noise periods, noise days
    "ENVIRONMENT_NOISE_LIMITS": DEFAULT_LIMITS,  # district type -> {day, evening, night} dB(A)
    "ENVIRONMENT_DERIVED_INTERVAL": 300,  # seconds between runs of the derived-values job
    "ENVIRONMENT_DERIVED_DELAY_S": 60,  # an hour is computed this long after it ends
    "ENVIRONMENT_BACKFILL_HOURS": 48,  # hours the job looks back for missing values
}


def init_app(app) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    get_scheduler(app).register("environment_derived", app.config["ENVIRONMENT_DERIVED_INTERVAL"],
                                derived.write_derived)
    with app.app_context():
        get_pipeline().add_hook(events.CategoryWatch(app))
    add_snapshot_provider(app, "environment", snapshot)
    register_tile(app, "air-quality", "Air quality", air_quality_tile, "/environment", order=10)
    register_page(app, "environment", "Environment", "/environment",
                  script="js/pages/environment.js", order=10)
    add_city_listener(app, events.create_default_rules)


def snapshot() -> dict:
    """What request_real_time_data {data_type: "environment"} answers."""
    answer = service.air_quality()
    keep = ("device_id", "name", "district", "aqi", "category", "color", "dominant_pollutant")
    return {"summary": service.summarise(answer["items"]), "hour": answer["hour"],
            "stations": [{k: item[k] for k in keep} | {
                "eaqi": item["eaqi"]["level"] if item["eaqi"] else None}
                for item in answer["items"]]}


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
