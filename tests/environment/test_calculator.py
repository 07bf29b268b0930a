"""GET /api/environment/aqi: the calculator for integrators."""

import pytest

URL = "/api/environment/aqi"


@pytest.fixture
def calc(client, viewer_headers):
    def get(**query):
        return client.get(URL, query_string=query, headers=viewer_headers)

    return get


def ok(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_issue_example(calc):
    body = ok(calc(pm25="35.9"))
    assert body["standard"] == "epa"
    assert (body["aqi"], body["category"], body["dominant_pollutant"]) == (
        102, "Unhealthy for Sensitive Groups", "pm25")
    assert body["sub_indices"] == {"pm25": 102}
    assert body["beyond_index"] is False
    assert body["advice"] and body["sensitive_groups"]
    assert body["color"] == "#FF7E00" and "2024" in body["version"]


def test_every_pollutant_at_once(calc):
    body = ok(calc(pm25="12.3", pm10="155", o3_8h="0.07853", o3_1h="0.150", co="6.3",
                   so2="140", no2="2.5"))
    assert body["sub_indices"] == {"pm25": 57, "pm10": 101, "o3_8h": 126, "o3_1h": 132,
                                   "co": 69, "so2": 130, "no2": 2}
    assert body["aqi"] == 132 and body["dominant_pollutant"] == "o3_1h"
    assert body["concentrations"]["o3_8h"] == 0.078  # truncated as the TAD says
    assert body["units"]["so2"] == "ppb" and body["units"]["co"] == "ppm"


def test_above_the_top_breakpoint_is_hazardous_and_beyond_the_index(calc):
    body = ok(calc(pm25="400"))
    assert body["aqi"] == 500 and body["category"] == "Hazardous"
    assert body["beyond_index"] is True


def test_eaqi(calc):
    body = ok(calc(standard="eaqi", pm25="12", no2="70", o3="110"))
    assert body["standard"] == "eaqi"
    assert (body["level"], body["category"], body["dominant_pollutant"]) == (4, "Poor", "no2")
    assert body["sub_levels"] == {"pm25": 2, "no2": 4, "o3": 3}
    assert ok(calc(standard="eaqi", o3_1h="181"))["sub_levels"] == {"o3": 6}
    assert ok(calc(standard="eaqi", pm10="15"))["category"] == "Good"


@pytest.mark.parametrize(("query", "field"), [
    ({"pm25": "abc"}, "pm25"),
    ({"no2": "-1"}, "no2"),
    ({"pm25": "12", "co": "-0.1"}, "co"),
    ({"pm25": "nan"}, "pm25"),
    ({"pm10": "inf"}, "pm10"),
    ({"so2": ""}, "so2"),
    ({"standard": "aqhi", "pm25": "1"}, "standard"),
    ({"standard": "eaqi", "co": "1"}, "co"),
    ({"standard": "eaqi", "o3_8h": "80"}, "o3_8h"),
    ({"o3": "0.05"}, "o3"),
    ({"o3_1h": "0.100"}, "o3_1h"),
    ({"pm2.5": "10"}, "pm2.5"),
])
def test_bad_input_is_a_400_naming_the_parameter(calc, query, field):
    response = calc(**query)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == field
    assert field in error["message"]


def test_at_least_one_concentration_is_required(calc):
    response = calc()
    assert response.status_code == 400
    assert "at least one" in response.get_json()["error"]["message"]
    assert calc(standard="eaqi").status_code == 400


def test_the_calculator_needs_a_token(client):
    assert client.get(URL, query_string={"pm25": "10"}).status_code == 401
