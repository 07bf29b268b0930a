"""Weather stations against an OpenWeatherMap-compatible provider. The provider is outside the
platform, so it is a local fake: a real HTTP server on loopback answering the current-weather
call, which each test sets up, slows down or breaks."""

import pytest

from smartcity.alerts.models import Alarm
from smartcity.environment import weather_compare
from smartcity.extensions import db
from smartcity.integrations.weather_provider import (
    Breaker,
    ProviderUnavailable,
    WeatherProvider,
    parse_current,
)
from smartcity.timeutil import now_ms
from tests.environment.fake_weather import KEY, FakeWeather


@pytest.fixture
def fake_weather():
    fake = FakeWeather()
    yield fake
    fake.close()


@pytest.fixture
def weather_app(make_app, fake_weather):
    return make_app(WEATHER_API_URL=fake_weather.url, WEATHER_API_KEY=KEY,
                    WEATHER_TIMEOUT_S=0.5, WEATHER_BREAKER_FAILURES=2)


@pytest.fixture
def client(weather_app):
    return weather_app.test_client()


@pytest.fixture
def station(make_device, store):
    """A weather station in London, 25.3 °C and 65.2 % a minute ago (the seed's example)."""
    make_device("wx-1", type="weather_station", location={"lat": 51.5072, "lon": -0.1276})
    store([("wx-1", now_ms() - 60_000, {"temperature": 25.3, "humidity": 65.2})])


def test_the_seed_example_difference_and_alert(api, station, fake_weather):
    answer = api("/api/environment/weather/compare")
    assert answer["provider"]["status"] == "ok"
    assert answer["thresholds"] == {"temperature": 5.0, "humidity": 20.0}
    (item,) = answer["items"]
    assert item["weather_api"]["temperature"] == 18.5
    assert item["weather_api"]["description"] == "light rain"
    assert item["local_sensors"]["temperature"] == 25.3 and item["stale"] is False
    temperature = item["differences"]["temperature"]
    assert temperature["absolute_difference"] == pytest.approx(6.8)
    assert temperature["percentage_difference"] == 36.8  # 6.8 / 18.5, as the seed computes it
    assert temperature["exceeds"] is True
    assert item["differences"]["humidity"]["absolute_difference"] == pytest.approx(6.8)
    assert item["differences"]["humidity"]["exceeds"] is False
    assert [a["type"] for a in item["alerts"]] == ["temperature_discrepancy"]
    assert item["alerts"][0]["severity"] == "minor"  # 6.8 is within twice the 5 °C threshold
    assert "6.8 °C (threshold 5 °C)" in item["alerts"][0]["message"]
    call = fake_weather.calls[-1]
    assert call["path"] == "/data/2.5/weather" and call["units"] == "metric"
    assert (float(call["lat"]), float(call["lon"])) == (51.5072, -0.1276)


def test_answers_are_cached_per_location(api, station, fake_weather):
    api("/api/environment/weather/compare")
    api("/api/environment/weather/compare")
    assert len(fake_weather.calls) == 1


def test_unconfigured_answers_200_with_the_reason(app, make_device, store, viewer_headers):
    make_device("wx-1", type="weather_station", location={"lat": 51.5, "lon": -0.12})
    store([("wx-1", now_ms() - 60_000, {"temperature": 25.3, "humidity": 65.2})])
    response = app.test_client().get("/api/environment/weather/compare", headers=viewer_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["provider"] == {"status": "unconfigured", "reason": "WEATHER_API_KEY is not set"}
    assert body["items"][0]["error"] == "WEATHER_API_KEY is not set"
    assert body["items"][0]["local_sensors"]["temperature"] == 25.3
    with app.app_context():
        assert weather_compare.check(app) == {"skipped": "unconfigured"}


def test_slow_provider_times_out_then_the_circuit_opens(api, station, fake_weather):
    fake_weather.mode = "slow"
    for _ in range(2):  # WEATHER_BREAKER_FAILURES=2: two timeouts open the circuit
        (item,) = api("/api/environment/weather/compare")["items"]
        assert item["weather_api"] is None and "no answer within 0.5 s" in item["error"]
        assert item["local_sensors"]["temperature"] == 25.3  # our own data is still there
    calls = len(fake_weather.calls)
    answer = api("/api/environment/weather/compare")
    assert answer["provider"]["status"] == "unavailable"
    assert answer["provider"]["circuit"] == "open" and answer["provider"]["retry_after_s"] > 0
    assert "circuit open" in answer["items"][0]["error"]
    assert len(fake_weather.calls) == calls  # an open circuit does not call the provider


def test_provider_down_is_reported_not_a_500(api, station, fake_weather):
    fake_weather.mode = "down"
    answer = api("/api/environment/weather/compare")
    assert answer["items"][0]["error"] == "the provider answered HTTP 500"
    assert answer["provider"]["last_error"] == "the provider answered HTTP 500"


def test_a_wrong_key_is_named(make_app, fake_weather, station, viewer_headers):
    app = make_app(WEATHER_API_URL=fake_weather.url, WEATHER_API_KEY="wrong")
    response = app.test_client().get("/api/environment/weather/compare", headers=viewer_headers)
    assert response.get_json()["items"][0]["error"] == \
        "the provider refused the API key (HTTP 401)"


def test_unknown_station_filter_is_a_400(client, viewer_headers):
    response = client.get("/api/environment/weather/compare?device_id=" + "x" * 300,
                          headers=viewer_headers)
    assert response.status_code == 400


def test_stale_station_is_compared_but_never_alarms(api, make_device, store, weather_app):
    make_device("wx-old", type="weather_station", location={"lat": 51.5, "lon": -0.12})
    store([("wx-old", now_ms() - 3600_000, {"temperature": 40.0, "humidity": 65.0})])
    (item,) = api("/api/environment/weather/compare", device_id="wx-old")["items"]
    assert item["stale"] is True and item["differences"]["temperature"]["exceeds"] is True
    assert item["alerts"] == []


def test_job_raises_then_clears_the_discrepancy_alarm(weather_app, station, fake_weather,
                                                      store):
    with weather_app.app_context():
        assert weather_compare.check(weather_app) == {"raised": 1, "cleared": 0}
        alarm = db.session.query(Alarm).filter_by(originator_id="wx-1",
                                                  type="weather_discrepancy").one()
        assert alarm.severity == "minor" and alarm.domain == "environment"
        assert alarm.details["differences"]["temperature"]["absolute_difference"] == 6.8
        db.session.remove()
    fake_weather.temp = 12.0  # 13.3 °C apart: beyond twice the threshold
    weather_app.extensions["weather_provider"]._cache.clear()
    with weather_app.app_context():
        weather_compare.check(weather_app)
        alarm = db.session.query(Alarm).filter_by(originator_id="wx-1",
                                                  type="weather_discrepancy").one()
        assert alarm.severity == "major"
        db.session.remove()
    store([("wx-1", now_ms() - 1000, {"temperature": 12.5, "humidity": 70.0})])
    with weather_app.app_context():
        assert weather_compare.check(weather_app) == {"raised": 0, "cleared": 1}
        db.session.remove()


def test_breaker_half_opens_after_the_reset_and_one_failure_reopens():
    now = [0.0]
    breaker = Breaker(failures_to_open=3, reset_s=60, clock=lambda: now[0])
    for _ in range(3):
        assert breaker.retry_after() is None
        breaker.failure()
    assert breaker.state() == "open" and breaker.retry_after() == 60
    now[0] = 61
    assert breaker.state() == "half-open" and breaker.retry_after() is None
    breaker.failure()  # the trial failed: open for another full period
    assert breaker.retry_after() == 60
    now[0] = 122
    breaker.success()
    assert breaker.state() == "closed" and breaker.failures == 0


def test_unreachable_provider_and_malformed_answers():
    client = WeatherProvider("http://127.0.0.1:9/nothing", KEY, timeout_s=0.5)
    with pytest.raises(ProviderUnavailable, match="cannot reach the provider"):
        client.current(51.5, -0.1)
    with pytest.raises(KeyError):
        parse_current({"weather": []})
    assert parse_current({"main": {"temp": 3}})["humidity"] is None
