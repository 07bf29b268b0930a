"""Station AQI from stored readings (rolling windows), derived aqi history, summary, data entry
and environment alarms."""

import pytest

from smartcity.environment import derived, events
from smartcity.extensions import db
from smartcity.timeutil import iso
from tests.broker import wait_until
from tests.domain import HOUR

AT_MINUTE = 30 * 60_000


def hourly(device_id, end, key, values):
    """values[0] in the hour before `end`, values[1] the hour before that, ... (at :30)."""
    return [(device_id, end - (i + 1) * HOUR + AT_MINUTE, {key: v})
            for i, v in enumerate(values) if v is not None]


@pytest.fixture
def stations(make_device, districts):
    make_device("aq-1", name="Centre air", asset_id="district-c",
                location={"lat": 45.005, "lon": 7.005})
    make_device("aq-2", name="North air", asset_id="district-n",
                location={"lat": 45.025, "lon": 7.005})
    return ["aq-1", "aq-2"]


@pytest.fixture
def polluted(stations, store, end_hour):
    """aq-1: PM2.5 40 then 20 µg/m³, O3 150 µg/m³ for 8 h, NO2 200 µg/m³ last hour;
    aq-2: clean air."""
    readings = (hourly("aq-1", end_hour, "pm25", [None] + [20] * 23)
                + hourly("aq-1", end_hour, "o3", [150] * 8)
                + hourly("aq-1", end_hour, "no2", [200, 20, 20])
                + hourly("aq-2", end_hour, "pm25", [5] * 24)
                + hourly("aq-2", end_hour, "no2", [15] * 3))
    # the last hour's PM2.5 mean is 40 from two readings; the hour in progress is ignored
    readings += [("aq-1", end_hour - HOUR + 10 * 60_000, {"pm25": 30}),
                 ("aq-1", end_hour - HOUR + 40 * 60_000, {"pm25": 50}),
                 ("aq-1", end_hour + 10 * 60_000, {"pm25": 900})]
    store(readings)
    return end_hour


def test_station_aqi_uses_nowcast_8_hour_ozone_and_1_hour_no2(api, polluted):
    body = api("/api/environment/air-quality", at=polluted + AT_MINUTE)
    assert body["hour"] == polluted - HOUR and body["time"] == iso(polluted - HOUR)
    aq1 = next(i for i in body["items"] if i["device_id"] == "aq-1")
    # PM2.5 NowCast 30.0 -> 90; O3 8 h 0.076 ppm -> 119; NO2 106 ppb -> 102 (see test_station)
    assert aq1["sub_indices"] == {"pm25": 90, "o3_8h": 119, "no2": 102}
    assert (aq1["aqi"], aq1["dominant_pollutant"]) == (119, "o3_8h")
    assert aq1["category"] == "Unhealthy for Sensitive Groups"
    assert aq1["averaging"]["pm25"] == "NowCast (12 h)" and aq1["averaging"]["o3_8h"] == "8 h"
    assert aq1["concentrations"]["no2"] == 106 and aq1["concentrations"]["pm25"] == 30.0
    assert aq1["aqi_24h"]["sub_indices"]["pm25"] == 73  # 24-hour mean 20.8
    # EAQI, last hour: PM2.5 40 -> 3, O3 150 -> 4, NO2 200 -> 6
    assert aq1["eaqi"]["sub_levels"] == {"pm25": 3, "no2": 6, "o3": 4}
    assert (aq1["eaqi"]["level"], aq1["eaqi"]["category"]) == (6, "Extremely poor")
    assert aq1["district"] == "Centre" and aq1["location"] == {"lat": 45.005, "lon": 7.005}


def test_windows_roll_with_the_hour(api, polluted):
    later = api("/api/environment/air-quality/aq-1", at=polluted + HOUR + AT_MINUTE)
    # the last hour had only the 900 µg/m³ reading: NowCast of 900, 40, 20, ... (w = 0.5)
    assert later["sub_indices"]["pm25"] == 500 and later["beyond_index"] is True
    assert "no2" not in later["sub_indices"]  # no NO2 in that hour
    assert later["sub_indices"]["o3_8h"] == 119  # 7 of the last 8 hours are enough
    gone = api("/api/environment/air-quality/aq-1", at=polluted + 4 * HOUR)
    assert gone["aqi"] is None and gone["sub_indices"] is None  # NowCast needs 2 of 3 hours


def test_summary_names_the_worst_station_and_counts_categories(api, polluted):
    body = api("/api/environment/air-quality/summary", at=polluted + AT_MINUTE)
    assert body["stations"] == 2 and body["reporting"] == 2
    assert body["city_aqi"] == 119 and body["category"] == "Unhealthy for Sensitive Groups"
    assert body["worst_station"]["device_id"] == "aq-1"
    aq2 = api("/api/environment/air-quality/aq-2", at=polluted + AT_MINUTE)["aqi"]
    assert body["mean_aqi"] == pytest.approx((119 + aq2) / 2, abs=0.05)
    assert body["stations_per_category"]["Unhealthy for Sensitive Groups"] == 1
    assert body["stations_per_category"]["Good"] == 1
    assert sum(body["stations_per_category"].values()) == 2
    assert body["eaqi"]["worst_level"] == 6 and body["eaqi"]["worst_station"] == "aq-1"


def test_derived_aqi_is_written_hourly_and_matches_the_live_answer(app, api, polluted):
    with app.app_context():
        result = derived.write_derived(app, now=polluted + 5 * 60_000)
        assert result["stored"] > 0
        assert derived.write_derived(app, now=polluted + 5 * 60_000)["stored"] == 0
        db.session.remove()
    history = api("/api/environment/air-quality/aq-1/history", start=polluted - 30 * HOUR,
                  end=polluted + 2 * HOUR)
    assert history["device_id"] == "aq-1"
    last = history["items"][-1]
    assert (last["ts"], last["aqi"], last["category"]) == (
        polluted - HOUR, 119, "Unhealthy for Sensitive Groups")
    assert last["eaqi"] == 6 and last["eaqi_category"] == "Extremely poor"
    assert len(history["items"]) > 10
    for item in history["items"][-4:]:
        live = api("/api/environment/air-quality/aq-1", at=item["ts"] + HOUR)
        assert live["aqi"] == item["aqi"], item
    latest = api("/api/devices/aq-1/telemetry/latest", keys="aqi,eaqi")["values"]
    assert latest["aqi"] == {"ts": polluted - HOUR, "value": 119.0}


def test_history_checks_its_station_and_range(client, viewer_headers, stations, make_device):
    make_device("cnt-1", type="traffic_counter")
    url = "/api/environment/air-quality/{}/history"
    assert client.get(url.format("nope"), headers=viewer_headers).status_code == 404
    assert client.get(url.format("cnt-1"), headers=viewer_headers).status_code == 404
    response = client.get(url.format("aq-1"), query_string={"start": "-40d"},
                          headers=viewer_headers)
    assert response.status_code == 400 and response.get_json()["error"]["details"][
        "field"] == "start"
    assert client.get(url.format("aq-1"), headers=viewer_headers).get_json()["items"] == []


def test_an_unhealthy_station_raises_the_default_alarm(app, api, stations, store, end_hour):
    with app.app_context():
        assert events.create_default_rules() == [r["name"] for r in events.DEFAULT_RULES]
        assert events.create_default_rules() == []  # once
    # PM2.5 80 µg/m³ for 24 hours: NowCast 80.0 -> 49/69.9·24.5+151 = 168.2 -> 168 (Unhealthy)
    store(hourly("aq-1", end_hour, "pm25", [80] * 24))
    with app.app_context():
        derived.write_derived(app, now=end_hour + 5 * 60_000)
        db.session.remove()
    assert api("/api/environment/air-quality/aq-1", at=end_hour + 1)["aqi"] == 168
    # the rule engine runs after the commit, in the writer thread
    wait_until(lambda: api("/api/environment/alerts", status="active")["items"])
    alarms = api("/api/environment/alerts", status="active")["items"]
    assert [(a["originator_id"], a["type"], a["severity"]) for a in alarms] == [
        ("aq-1", "aqi_unhealthy", "major")]
    assert alarms[0]["domain"] == "environment" and alarms[0]["value"] == 168
    assert api("/api/environment/alerts", severity="critical")["items"] == []


def test_readings_by_station_key_and_time(api, polluted):
    body = api("/api/environment/data", device_id="aq-1", keys="no2",
               start=polluted - 3 * HOUR, end=polluted)
    (station,) = body["items"]
    assert station["device_id"] == "aq-1" and station["type"] == "air_quality_station"
    assert [(r["key"], r["value"]) for r in station["readings"]] == [
        ("no2", 200.0), ("no2", 20.0), ("no2", 20.0)]  # newest first
    everything = api("/api/environment/data", start=polluted - 2 * HOUR, end=polluted,
                     limit=1)
    assert [s["device_id"] for s in everything["items"]] == ["aq-1"]
    page2 = api("/api/environment/data", start=polluted - 2 * HOUR, end=polluted, limit=1,
                cursor=everything["next_cursor"])
    assert [s["device_id"] for s in page2["items"]] == ["aq-2"] and page2["next_cursor"] is None


def test_an_operator_enters_readings_by_hand(client, api, stations, operator_headers,
                                             viewer_headers):
    body = {"device_id": "aq-2", "ts": "2024-06-01T10:15:00Z", "values": {"pm25": 18.5,
                                                                          "no2": 31}}
    response = client.post("/api/environment/data", json=body, headers=operator_headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["stored"] == 2
    again = client.post("/api/environment/data", json=body, headers=operator_headers)
    assert again.get_json()["duplicates"] == 2
    stored = api("/api/devices/aq-2/telemetry", start="2024-06-01T10:00:00Z",
                 end="2024-06-01T11:00:00Z")["items"]
    assert sorted((i["key"], i["value"]) for i in stored) == [("no2", 31.0), ("pm25", 18.5)]
    assert client.post("/api/environment/data", json=body,
                       headers=viewer_headers).status_code == 403


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"device_id": "aq-1", "values": {"pm25": -3}}, 400, "values.pm25"),
    ({"device_id": "aq-1", "values": {"aqi": 40}}, 400, "values.aqi"),
    ({"device_id": "aq-1", "values": {"speed": 40}}, 400, "values.speed"),
    ({"device_id": "aq-1", "values": {"pm25": "high"}}, 400, "values.pm25"),
    ({"device_id": "aq-1", "values": {}}, 400, "values"),
    ({"device_id": "aq-1", "values": {"pm25": 3}, "ts": "2999-01-01T00:00:00Z"}, 400, "ts"),
    ({"values": {"pm25": 3}}, 400, "device_id"),
    ({"device_id": "aq-9", "values": {"pm25": 3}}, 404, None),
])
def test_manual_entry_refuses_what_a_station_cannot_measure(client, stations, operator_headers,
                                                            body, status, field):
    response = client.post("/api/environment/data", json=body, headers=operator_headers)
    assert response.status_code == status, response.get_json()
    if field:
        assert response.get_json()["error"]["details"]["field"] == field
