"""Noise, weather, pollution trends and health impact over stored readings."""

from datetime import UTC, datetime

import pytest

from smartcity.environment import derived
from smartcity.extensions import db
from tests.broker import wait_until
from tests.domain import DAY, HOUR

MINUTE = 60_000


def day_start(end_hour: int) -> int:
    return end_hour // DAY * DAY - 2 * DAY  # 00:00 UTC two or three days back


@pytest.fixture
def sensors(make_device, districts):
    make_device("noise-n", type="noise_sensor", asset_id="district-n")  # residential
    make_device("noise-i", type="noise_sensor", asset_id="district-i")  # industrial


def minutes(device_id, start, count, level, key="laeq"):
    return [(device_id, start + i * MINUTE, {key: level}) for i in range(count)]


def test_hourly_laeq_against_the_district_limit(api, sensors, store, end_hour):
    day = day_start(end_hour)
    hour = day + 10 * HOUR  # 10:00-11:00 UTC: a day hour
    store(minutes("noise-n", hour, 30, 58.0) + minutes("noise-n", hour + 30 * MINUTE, 30, 52.0)
          + minutes("noise-i", hour, 60, 66.0))
    body = api("/api/environment/noise", at=hour + HOUR + 5 * MINUTE)
    assert body["period"] == "day" and body["timezone"] == "UTC"
    by_id = {i["device_id"]: i for i in body["items"]}
    # energy mean of 30 min at 58 dB and 30 min at 52 dB: 10·lg((10^5.8 + 10^5.2)/2) = 56.0
    assert by_id["noise-n"]["laeq_1h"] == 56.0 and by_id["noise-n"]["samples"] == 60
    assert by_id["noise-n"]["district_type"] == "residential"
    assert (by_id["noise-n"]["limit"], by_id["noise-n"]["exceeded"]) == (55, True)
    assert by_id["noise-n"]["exceedance_db"] == 1.0
    assert (by_id["noise-i"]["limit"], by_id["noise-i"]["exceeded"]) == (70, False)


def test_lden_of_a_noise_day(api, sensors, store, end_hour):
    day = day_start(end_hour)
    # Ld 60, Le 55, Ln 50 at the residential sensor: Lden exactly 60 (see test_noise_weather)
    store(minutes("noise-n", day + 9 * HOUR, 60, 60.0)
          + minutes("noise-n", day + 20 * HOUR, 60, 55.0)
          + minutes("noise-n", day + 26 * HOUR, 60, 50.0)  # 02:00 the next morning
          + minutes("noise-n", day + 32 * HOUR, 60, 90.0))  # 08:00 next day: not this one
    date = datetime.fromtimestamp(day / 1000, UTC).date().isoformat()
    body = api("/api/environment/noise/daily", date=date)
    assert body["day"] == date and body["start"].endswith("T07:00:00.000Z")
    item = next(i for i in body["items"] if i["device_id"] == "noise-n")
    assert (item["ld"], item["le"], item["ln"], item["lden"]) == (60.0, 55.0, 50.0, 60.0)
    assert item["exceeded"] == {"day": True, "evening": True, "night": True}
    assert len(item["hours_exceeding"]) == 3
    quiet = next(i for i in body["items"] if i["device_id"] == "noise-i")
    assert quiet["lden"] is None and quiet["samples"] == {"day": 0, "evening": 0, "night": 0}


def test_noise_periods_follow_the_configured_time_zone(make_app, sensors, store,
                                                      viewer_headers):
    rome = make_app(ENVIRONMENT_TIMEZONE="Europe/Rome").test_client()
    hour = int(datetime(2024, 1, 15, 18, tzinfo=UTC).timestamp() * 1000)  # 19:00 in Rome
    store(minutes("noise-n", hour, 60, 52.0))
    body = rome.get("/api/environment/noise", query_string={"at": hour + HOUR + MINUTE},
                    headers=viewer_headers).get_json()
    assert (body["period"], body["timezone"]) == ("evening", "Europe/Rome")
    item = next(i for i in body["items"] if i["device_id"] == "noise-n")
    assert (item["limit"], item["exceeded"]) == (50, True)  # day-time 55 in UTC
    day = rome.get("/api/environment/noise/daily", query_string={"date": "2024-01-15"},
                   headers=viewer_headers).get_json()
    assert day["start"] == "2024-01-15T06:00:00.000Z"  # 07:00 in Rome
    assert next(i for i in day["items"] if i["device_id"] == "noise-n")["le"] == 52.0


def test_derived_noise_values_raise_the_noise_alarm(app, api, sensors, store, end_hour):
    from smartcity.environment import events

    with app.app_context():
        events.create_default_rules()
    hour = end_hour - 2 * HOUR
    store(minutes("noise-n", hour, 60, 58.0) + minutes("noise-i", hour, 60, 60.0))
    with app.app_context():
        derived.write_derived(app, now=end_hour + 5 * MINUTE)
        db.session.remove()
    values = api("/api/devices/noise-n/telemetry", keys="laeq_1h,noise_exceedance",
                 start=hour, end=hour + 1)["items"]
    expected_limit = 55 if 7 <= (hour // HOUR) % 24 < 19 else (
        50 if 19 <= (hour // HOUR) % 24 < 23 else 45)
    assert {i["key"]: i["value"] for i in values} == {
        "laeq_1h": 58.0, "noise_exceedance": 58.0 - expected_limit}
    wait_until(lambda: api("/api/environment/alerts", type="noise_limit_exceeded")["items"])
    alarms = api("/api/environment/alerts", type="noise_limit_exceeded")["items"]
    assert [a["originator_id"] for a in alarms] == ["noise-n"]  # industrial 60 dB is within


def test_weather_with_heat_index(api, make_device, districts, store, end_hour):
    make_device("wx-1", type="weather_station", asset_id="district-c")
    store([("wx-1", end_hour, {"temperature": 32.2222, "humidity": 70, "pressure": 1011})])
    (station,) = api("/api/environment/weather")["items"]
    assert station["device_id"] == "wx-1" and station["district"] == "Centre"
    assert station["heat_index_f"] == pytest.approx(105.9, abs=0.1)  # 90 °F at 70 %
    assert station["heat_index_c"] == pytest.approx(41.1, abs=0.1)
    assert station["heat_index_category"] == "Danger"
    assert station["values"]["pressure"] == 1011
    make_device("wx-2", type="weather_station", asset_id="district-n")
    store([("wx-2", end_hour, {"temperature": 8.0, "humidity": 60})])
    cool = next(i for i in api("/api/environment/weather")["items"] if i["device_id"] == "wx-2")
    assert cool["temperature"] == 8.0 and cool["heat_index_c"] is None


def test_pollution_trends_daily_means_and_week_over_week(api, make_device, districts, store,
                                                         end_hour):
    make_device("aq-t", asset_id="district-c")
    last_day = end_hour // DAY * DAY
    readings = []
    for d in range(14):
        day = last_day - (13 - d) * DAY
        level = 10.0 if d < 7 else 15.0
        readings += [("aq-t", day + 6 * HOUR, {"pm25": level - 2, "no2": 30.0}),
                     ("aq-t", day + 18 * HOUR, {"pm25": level + 2, "no2": 30.0})]
    store(readings)
    body = api("/api/environment/pollution/trends", days=14, pollutants="pm25,no2",
               at=last_day + 12 * HOUR)
    assert len(body["days"]) == 14
    pm = next(i for i in body["items"] if i["pollutant"] == "pm25")
    assert [d["mean"] for d in pm["daily"]] == [10.0] * 7 + [15.0] * 7
    assert pm["current_week_mean"] == 15.0 and pm["previous_week_mean"] == 10.0
    assert pm["change_pct"] == pytest.approx(50.0) and pm["trend"] == "up"
    assert pm["unit"] == "µg/m³"
    no2 = next(i for i in body["items"] if i["pollutant"] == "no2")
    assert no2["trend"] == "flat" and no2["change_pct"] == 0.0


def test_trends_validate_their_parameters(client, viewer_headers):
    for query, field in [({"days": "1"}, "days"), ({"pollutants": "pm1"}, "pollutants"),
                         ({"device_id": "Bad Id"}, "device_id")]:
        response = client.get("/api/environment/pollution/trends", query_string=query,
                               headers=viewer_headers)
        assert response.status_code == 400
        assert response.get_json()["error"]["details"]["field"] == field


def test_health_impact_counts_residents_per_category(api, make_device, districts, store,
                                                     end_hour):
    make_device("aq-c", asset_id="district-c", location={"lat": 45.005, "lon": 7.005})
    make_device("aq-n", asset_id="district-n", location={"lat": 45.025, "lon": 7.005})

    def pm(device, level):
        return [(device, end_hour - (i + 1) * HOUR + 1_800_000, {"pm25": level})
                for i in range(24)]

    # NowCast 40.0: 49/19.9·4.5+101 = 112.1 -> 112; 5.0: 50/9·5 = 27.8 -> 28
    store(pm("aq-c", 40.0) + pm("aq-n", 5.0))
    body = api("/api/environment/health-impact", at=end_hour + 1)
    by_id = {d["id"]: d for d in body["districts"]}
    assert by_id["district-c"]["aqi"] == 112 and by_id["district-n"]["aqi"] == 28
    # the Docks have no station: the nearest one (aq-c) stands in
    assert by_id["district-i"]["aqi"] == 112 and by_id["district-i"]["estimated"]
    categories = {c["category"]: c["population"] for c in body["by_category"]}
    assert categories["Unhealthy for Sensitive Groups"] == 32_000
    assert categories["Good"] == 10_000
    assert body["population_total"] == 42_000 and body["at_risk_population"] == 32_000
    assert body["weighted_aqi"] == pytest.approx((32_000 * 112 + 10_000 * 28) / 42_000)


def test_config_shows_limits_and_time_zone(api):
    body = api("/api/environment/config")
    assert body["noise_limits"]["residential"] == {"day": 55, "evening": 50, "night": 45}
    assert body["timezone"] == "UTC"
