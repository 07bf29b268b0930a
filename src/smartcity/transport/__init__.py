"""Transport domain: live vehicles, tracks, GTFS static export and import, GTFS-realtime
vehicle positions and trip updates, schedule adherence, headways and arrival predictions."""

from smartcity.domain import Domain
from smartcity.timeutil import now_ms
from smartcity.transport import live, service

domain = Domain(
    "transport", "Transport", routes="smartcity.transport.routes", device_types=("vehicle",),
    page_script="js/pages/transport.js", order=60, defaults={
        # The GTFS export's agency and the timetable it derives from lines and headways.
        "TRANSPORT_AGENCY_URL": "https://smartcity.example/transport",
        "TRANSPORT_TIMEZONE": "UTC",  # the city's local time: GTFS times are local
        "TRANSPORT_SCHEDULE_SPEED_KMH": 18.0,  # commercial speed, dwell at stops included
        "TRANSPORT_FIRST_DEPARTURE": "06:00", "TRANSPORT_LAST_DEPARTURE": "22:00",
        # On time: from 1 min early to 5 min late (the window US agencies commonly use).
        "TRANSPORT_ON_TIME_EARLY_S": 60, "TRANSPORT_ON_TIME_LATE_S": 300,
        # A bus's run is its trip only if it keeps, on average, within this of the timetable.
        "TRANSPORT_MATCH_MAX_DELAY_S": 1800,
        "TRANSPORT_DELAY_INTERVAL": 300})  # s between runs of the job storing stop delays

domain.job("transport_delays", "TRANSPORT_DELAY_INTERVAL")(live.write_delays)


@domain.kpi("on_time_buses", "Buses on time", "%", target=85.0, better="higher", iso=None,
            definition="Of the stop passings of buses matched to a trip in the period (stored "
                       "as each vehicle's derived delay), the share between "
                       "TRANSPORT_ON_TIME_EARLY_S (60 s) early and TRANSPORT_ON_TIME_LATE_S "
                       "(300 s) late.")
def on_time_buses(start_ms: int, end_ms: int) -> float | None:
    return live.on_time(start_ms, end_ms)[0]


@domain.after_commit
def position_watch(app):
    """Vehicle readings committed: one coalesced transport_update with each vehicle's newest
    position values, so an open map moves its markers without refetching."""
    def hook(points) -> None:
        vehicles: dict[str, dict] = {}
        for p in points:
            if p.key in service.LIVE_KEYS and p.value is not None:
                vehicles.setdefault(p.device_id, {})[p.key] = p.value
        if vehicles:
            domain.push(app, {"kind": "positions", "vehicles": vehicles, "ts": now_ms()})
    return hook


@domain.snapshot
def snapshot() -> dict:
    return {"vehicles": service.vehicles()}


@domain.tile("vehicles-in-service", "Vehicles in service")
def in_service_tile() -> dict:
    items = service.vehicles()
    moving = sum(1 for v in items if v["state"] in service.IN_SERVICE)
    return {"value": moving, "detail": f"of {len(items)} vehicles", "status": "ok"}


@domain.tile("on-time", "Buses on time")
def on_time_tile() -> dict:
    share, passings = live.on_time(now_ms() - 3_600_000, now_ms() + 1)
    if share is None:
        return {"value": "—", "detail": "no stop passed on a trip in the last hour",
                "status": "ok"}
    return {"value": round(share), "unit": "%", "detail": f"of {passings} stop passings, last hour",
            "status": "ok" if share >= 85 else "warning"}
