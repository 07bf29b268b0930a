"""Customer consumption from the meter register, per day, ISO week and month (hand-computed),
and the endpoints on readings stored through the batch API."""

import pytest

from smartcity.timeutil import now_ms
from smartcity.water import metering
from tests.domain import DAY, HOUR

MON = 1_764_547_200_000  # Monday 2025-12-01 00:00 UTC


def test_period_starts():
    assert metering.period_start(MON + 3 * DAY + 5 * HOUR, "day") == MON + 3 * DAY
    assert metering.period_start(MON + 6 * DAY + 23 * HOUR, "week") == MON  # Sunday
    assert metering.period_start(MON + 7 * DAY, "week") == MON + 7 * DAY
    assert metering.period_start(MON + 30 * DAY, "month") == MON  # 2025-12-31
    assert metering.period_start(MON + 31 * DAY + HOUR, "month") == MON + 31 * DAY  # 2026-01-01
    assert metering.period_start(MON - HOUR, "month") == MON - 30 * DAY  # 2025-11-01


def test_register_consumption():
    daily = {MON - DAY: (990.0, 1000.0),  # the day before: only its last reading counts
             MON: (1000.5, 1004.0), MON + DAY: (1004.2, 1010.0),
             # no readings on Wednesday: Thursday's advance covers it
             MON + 3 * DAY: (1012.0, 1013.0), MON + 7 * DAY: (1013.5, 1020.0)}
    days = metering.register_consumption(daily, MON, "day")
    assert [d["ts"] for d in days] == [MON, MON + DAY, MON + 3 * DAY, MON + 7 * DAY]
    assert [d["volume_m3"] for d in days] == pytest.approx([4.0, 6.0, 3.0, 7.0])
    weeks = metering.register_consumption(daily, MON, "week")
    assert [(w["ts"], w["register_m3"]) for w in weeks] == [(MON, 1013.0),
                                                           (MON + 7 * DAY, 1020.0)]
    assert [w["volume_m3"] for w in weeks] == pytest.approx([13.0, 7.0])
    months = metering.register_consumption(daily, MON, "month")
    assert len(months) == 1 and months[0]["volume_m3"] == pytest.approx(20.0)


def test_a_register_reset_is_not_consumption():
    daily = {MON: (100.0, 110.0), MON + DAY: (2.0, 5.0)}  # meter swapped: counts from 2.0
    assert [d["volume_m3"] for d in metering.register_consumption(daily, MON, "day")] == \
        pytest.approx([10.0, 3.0])


def test_customer_consumption_endpoint(api, dmas, store):
    today = now_ms() // DAY * DAY
    start = today - 3 * DAY
    readings = [("wm-b", start - DAY + 23 * HOUR, {"volume": 500.0})]
    for day, (first, last) in enumerate(((501.0, 510.0), (511.0, 530.0), (531.0, 532.0))):
        readings += [("wm-b", start + day * DAY + HOUR, {"volume": first}),
                     ("wm-b", start + day * DAY + 20 * HOUR, {"volume": last})]
    store(readings)
    got = api("/api/water/customers/consumption", start=start + HOUR, end=today,
              interval="day")
    (meter,) = got["items"]
    assert (meter["device_id"], meter["dma"]) == ("wm-b", "dma-1")
    assert [p["ts"] for p in meter["series"]] == [start, start + DAY, start + 2 * DAY]
    assert [p["volume_m3"] for p in meter["series"]] == pytest.approx([10.0, 20.0, 2.0])
    assert meter["total_m3"] == pytest.approx(32.0)
    assert api("/api/water/customers/consumption", dma="dma-2")["items"] == []


def test_dma_consumption_per_month(api, dmas, store):
    today = now_ms() // DAY * DAY
    store([("wm-1", today - 2 * DAY + h * HOUR, {"flow": 10.0}) for h in range(24)])
    got = api("/api/water/consumption", start=today - 2 * DAY, end=today - DAY,
              interval="month")
    dma = next(i for i in got["items"] if i["dma"] == "dma-1")
    assert len(dma["series"]) == 1
    assert dma["series"][0]["volume_m3"] == pytest.approx(240.0)
    assert dma["series"][0]["mean_flow_m3h"] == pytest.approx(10.0)
