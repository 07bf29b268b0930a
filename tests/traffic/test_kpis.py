"""The mean peak-hour Travel Time Index KPI on hand-built counter hours (FHWA UCR periods)."""

import time
from zoneinfo import ZoneInfo

import pytest

from smartcity.traffic.kpis import is_peak, peak_tti

HOUR = 3_600_000
DAY = 24 * HOUR
UTC = ZoneInfo("UTC")


def hour_back(end: int, weekday: bool, hour: int) -> int:
    """The start of the latest hour before `end` at that UTC hour on a weekday (or weekend)."""
    ts = end - HOUR
    while not (ts // HOUR % 24 == hour and ((ts // DAY + 3) % 7 < 5) == weekday):
        ts -= HOUR  # (ts // DAY + 3) % 7: 1970-01-01 was a Thursday, 0 = Monday
    return ts


def test_peak_hours_are_weekday_mornings_and_evenings_in_local_time():
    monday = 4 * DAY  # 1970-01-05 00:00 UTC
    assert is_peak(monday + 6 * HOUR, UTC) and is_peak(monday + 18 * HOUR, UTC)
    assert not is_peak(monday + 9 * HOUR, UTC) and not is_peak(monday + 15 * HOUR, UTC)
    assert not is_peak(monday + 5 * DAY + 7 * HOUR, UTC)  # Saturday
    rome = ZoneInfo("Europe/Rome")  # UTC+1 in January: 05:00 UTC is 6 am there
    assert is_peak(monday + 5 * HOUR, rome) and not is_peak(monday + 18 * HOUR, rome)


def test_tti_is_weighted_by_vehicle_km_and_never_below_one():
    monday_8 = 4 * DAY + 8 * HOUR
    hours = [
        {"ts": monday_8, "speed_kmh": 25, "flow_vph": 600, "free_flow_kmh": 50, "length_m": 800},
        {"ts": monday_8, "speed_kmh": 60, "flow_vph": 200, "free_flow_kmh": 50, "length_m": 1000},
        {"ts": monday_8, "speed_kmh": 0, "flow_vph": 0, "free_flow_kmh": 50, "length_m": 1000},
        {"ts": monday_8 + 4 * HOUR, "speed_kmh": 5, "flow_vph": 900, "free_flow_kmh": 50,
         "length_m": 800},  # noon: not a peak hour
    ]
    # (800 m x 600 veh/h x TTI 2 + 1000 m x 200 veh/h x 1) / (480,000 + 200,000)
    assert peak_tti(hours, UTC) == round((960_000 + 200_000) / 680_000, 3) == 1.706
    assert peak_tti(hours[3:], UTC) is None


@pytest.fixture
def counted(road_devices, store):
    """Peak, off-peak and weekend hours of the counters at B, this day and the day before."""
    end = int(time.time() * 1000) // HOUR * HOUR
    peak = hour_back(end, weekday=True, hour=7)
    off_peak = hour_back(end, weekday=True, hour=12)
    weekend = hour_back(end, weekday=False, hour=7)
    earlier = hour_back(end - 7 * DAY, weekday=True, hour=17)  # in the previous week
    readings = [
        ("cnt-ab", peak, {"speed": 25, "intensity": 600}),  # TTI 2
        ("cnt-bc", peak, {"speed": 60, "intensity": 200}),  # faster than the limit: 1
        ("cnt-be", peak, {"speed": 5, "intensity": 100}),  # 10 km/h street: TTI 2
        ("cnt-ab", off_peak, {"speed": 5, "intensity": 900}),
        ("cnt-bc", weekend, {"speed": 5, "intensity": 900}),
        ("cnt-ab", earlier, {"speed": 40, "intensity": 500}),  # previous week: 1.25
    ]
    store([(d, ts + 60_000, values) for d, ts, values in readings])
    return road_devices


def test_the_kpi_equals_the_hand_computed_peak_tti(api, counted):
    segments = counted.segments
    ab, bc, be = (segments[s].length_m for s in ("seg-ab", "seg-bc", "seg-be"))
    expected = (ab * 600 * 2 + bc * 200 * 1 + be * 100 * 2) / (ab * 600 + bc * 200 + be * 100)
    kpi = next(k for k in api("/api/analytics/kpi", domain="traffic", period="week")["kpis"]
               if k["name"] == "peak_tti")
    assert kpi["value"] == round(expected, 3)
    assert kpi["unit"] == "TTI" and kpi["better"] == "lower" and "FHWA" in kpi["definition"]
    assert kpi["trend"]["previous"] == 1.25 and kpi["trend"]["improving"] is False


def test_no_counter_hours_is_no_value(api, road_devices):
    kpi = api("/api/analytics/kpi", domain="traffic", period="day")["kpis"][0]
    assert kpi["value"] is None and kpi["trend"] is None
