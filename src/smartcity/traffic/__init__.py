"""Traffic domain: flow, congestion, incidents, Webster signal timing, routing, peak hours."""

from smartcity.domain import Domain
from smartcity.roads.store import add_capacity_source
from smartcity.timeutil import now_ms
from smartcity.traffic import incidents, kpis, prediction, service

COUNTER_KEYS = frozenset({"intensity", "speed", "occupancy"})

domain = Domain(
    "traffic", "Traffic", routes="smartcity.traffic.routes",
    device_types=("traffic_counter", "traffic_signal"), page_script="js/pages/traffic.js", order=20,
    defaults={"TRAFFIC_TIMEZONE": "UTC"})  # the city's local time: peak hours
domain.kpi("peak_tti", "Mean peak-hour Travel Time Index", "TTI", target=None, better="lower",
           iso=None,
           definition="Weekday AM (6-9) and PM (4-7) peak counter-hours, local time: free-flow "
                      "speed (the segment's limit) over the hour's mean measured speed, at least "
                      "1; the mean weighted by vehicle-km (segment length x hourly flow), as "
                      "FHWA's Urban Congestion Report computes the Travel Time Index. No ISO "
                      "37120/37122 indicator measures it.")(kpis.mean_peak_tti)

domain.predictive(prediction.city_prediction)


@domain.setup
def feed_the_roads(app) -> None:
    """Open incidents take capacity off their segments in every domain's routing."""
    add_capacity_source(app, incidents.open_shares)


domain.incidents(incidents.reported_between)


@domain.after_commit
def counter_watch(app):
    """Counter readings committed: one coalesced traffic_update with each counter's newest
    values, so an open traffic page refetches congestion (at most twice a second)."""
    def hook(points) -> None:
        counters: dict[str, dict] = {}
        for p in points:
            if p.key in COUNTER_KEYS and p.value is not None:
                counters.setdefault(p.device_id, {})[p.key] = p.value
        if counters:
            domain.push(app, {"kind": "counters", "counters": counters, "ts": now_ms()})
    return hook


@domain.snapshot
def snapshot() -> dict:
    answer = service.congestion()
    return {"city": answer["city"], "levels": answer["levels"]}


@domain.tile("congestion", "Congestion")
def congestion_tile() -> dict:
    city = service.city_summary()
    if city["index"] is None:
        return {"value": "—", "detail": "no fresh counter data", "status": "ok"}
    status = {"free": "ok", "light": "ok", "moderate": "warning"}.get(city["level"], "alarm")
    return {"value": city["index"], "unit": "TTI", "status": status,
            "detail": f"{city['level']} · {city['segments_observed']} segments measured"}
