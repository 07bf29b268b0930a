"""The traffic KPI for analytics: mean peak-hour Travel Time Index (registered with @domain.kpi).

FHWA's Urban Congestion Report (documentation and definitions) computes the Travel Time Index,
peak-period travel time over free-flow travel time, for the weekday AM peak (6-9 am) and PM peak
(4-7 pm), and averages it across road sections and periods weighted by vehicle-miles travelled.
Here each counter-hour in those periods (local time, TRAFFIC_TIMEZONE) gives one TTI, its
segment's free-flow speed (the posted limit) over the hour's mean measured speed, never below 1
as in roads.travel (a reading above the limit is free flow; a mean speed of 0 means no vehicle
was measured and the hour is left out). The city value weights each counter-hour by vehicle-km,
segment length x the hour's mean flow, when every one has a flow, else by length
(congestion.city_index: the same aggregation as the live city index).
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from smartcity.devices.service import devices_of
from smartcity.extensions import db
from smartcity.roads import store
from smartcity.roads.travel import MIN_SPEED_KMH
from smartcity.telemetry.reads import hourly_means
from smartcity.traffic.congestion import city_index

PEAK_HOURS = frozenset({6, 7, 8, 16, 17, 18})  # local hour starts: 6-9 am and 4-7 pm
COUNTER_TYPE = "traffic_counter"


def is_peak(hour_start_ms: int, tz: ZoneInfo) -> bool:
    """A weekday hour starting in the AM (6-9) or PM (4-7) peak period, local time."""
    local = datetime.fromtimestamp(hour_start_ms / 1000, UTC).astimezone(tz)
    return local.weekday() < 5 and local.hour in PEAK_HOURS


def peak_tti(hours: Iterable[dict], tz: ZoneInfo) -> float | None:
    """Vehicle-km weighted mean TTI of the peak counter-hours (pure).

    hours: {ts, speed_kmh, flow_vph (or None), free_flow_kmh, length_m} per counter-hour.
    """
    items = []
    for h in hours:
        if not h["speed_kmh"] or h["speed_kmh"] <= 0 or not is_peak(h["ts"], tz):
            continue
        tti = max(1.0, h["free_flow_kmh"] / max(h["speed_kmh"], MIN_SPEED_KMH))
        items.append({"tti": tti, "length_m": h["length_m"], "flow_vph": h["flow_vph"]})
    return city_index(items)


def counter_hours(start: int, end: int) -> list[dict]:
    """Every counter-hour in [start, end) with its segment's free-flow speed and length."""
    segments = store.network(current_app).roads().segments
    rows = []
    with db.reader() as conn:
        for device in devices_of(COUNTER_TYPE):
            seg = segments.get(device.asset_id or "")
            if seg is None:
                continue
            means = hourly_means(conn, device.id, ["speed", "intensity"], start, end)
            flows = means.get("intensity", {})
            rows += [{"ts": ts, "speed_kmh": speed, "flow_vph": flows.get(ts),
                      "free_flow_kmh": seg.speed_kmh, "length_m": seg.length_m}
                     for ts, speed in means.get("speed", {}).items()]
    return rows


def mean_peak_tti(start: int, end: int) -> float | None:
    """The KPI over [start, end): None when no peak counter-hour has a speed."""
    return peak_tti(counter_hours(start, end),
                    ZoneInfo(current_app.config["TRAFFIC_TIMEZONE"]))
