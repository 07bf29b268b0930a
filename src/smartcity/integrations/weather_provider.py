"""An OpenWeatherMap-compatible client for current weather, safe to call from a request.

It speaks the "current weather data" call of OpenWeatherMap's API 2.5
(`GET {base}/weather?lat=&lon=&appid=&units=metric`) and so any server that answers it the same
way. Three things keep a slow or failing provider from hurting the platform:
- every call has a connect/read timeout (WEATHER_TIMEOUT_S);
- answers are cached per location (rounded to ~1 km) for WEATHER_CACHE_S;
- a circuit breaker: after WEATHER_BREAKER_FAILURES failures in a row, calls fail at once for
  WEATHER_BREAKER_RESET_S; then calls go through again (half-open), and the first to fail opens
  it for another period while the first to succeed closes it.
Failures are ProviderUnavailable with a reason a person can act on, never a 500.
"""

import threading
import time
from dataclasses import dataclass

import requests
from flask import current_app

from smartcity.timeutil import iso

EXTENSION = "weather_provider"


class ProviderUnavailable(Exception):
    """The provider is unconfigured, refused us, failed, or its circuit is open."""

    def __init__(self, status: str, reason: str, retry_after_s: float | None = None):
        super().__init__(reason)
        self.status, self.reason, self.retry_after_s = status, reason, retry_after_s

    def to_dict(self) -> dict:
        answer = {"status": self.status, "reason": self.reason}
        if self.retry_after_s is not None:
            answer["retry_after_s"] = round(self.retry_after_s, 1)
        return answer


@dataclass
class Breaker:
    """Counts failures in a row; open means calls fail without reaching the provider."""

    failures_to_open: int
    reset_s: float
    clock: callable = time.monotonic
    failures: int = 0
    opened_at: float | None = None

    def retry_after(self) -> float | None:
        """Seconds the circuit stays open, or None when a call may go through."""
        if self.opened_at is None:
            return None
        left = self.opened_at + self.reset_s - self.clock()
        return left if left > 0 else None  # past the reset: half-open, one trial goes through

    def success(self) -> None:
        self.failures, self.opened_at = 0, None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.failures_to_open:
            self.opened_at = self.clock()  # (re)open; a failed half-open trial restarts the wait

    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "open" if self.retry_after() is not None else "half-open"


class WeatherProvider:
    def __init__(self, base_url: str, api_key: str | None, timeout_s: float = 3.0,
                 cache_s: float = 600.0, failures_to_open: int = 3, reset_s: float = 60.0,
                 clock=time.monotonic):
        self.base_url, self.api_key, self.timeout_s = base_url.rstrip("/"), api_key, timeout_s
        self.cache_s, self.clock = cache_s, clock
        self.breaker = Breaker(failures_to_open, reset_s, clock)
        self._cache: dict[tuple, tuple[float, dict]] = {}
        self._lock = threading.Lock()
        self._session = requests.Session()
        self.last_error: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.api_key)

    def status(self) -> dict:
        if not self.configured:
            return {"status": "unconfigured", "reason": "WEATHER_API_KEY is not set"}
        with self._lock:
            wait = self.breaker.retry_after()
            answer = {"status": "ok" if wait is None else "unavailable",
                      "circuit": self.breaker.state(), "base_url": self.base_url}
            if self.last_error:
                answer["last_error"] = self.last_error
            if wait is not None:
                answer["retry_after_s"] = round(wait, 1)
        return answer

    def current(self, lat: float, lon: float) -> dict:
        """Current weather at a point: {temperature °C, humidity %, pressure hPa, ...}."""
        if not self.configured:
            raise ProviderUnavailable("unconfigured", "WEATHER_API_KEY is not set")
        key = (round(lat, 2), round(lon, 2))
        with self._lock:
            cached = self._cache.get(key)
            if cached and self.clock() - cached[0] < self.cache_s:
                return cached[1]
            wait = self.breaker.retry_after()
            if wait is not None:
                raise ProviderUnavailable(
                    "unavailable", f"circuit open after {self.breaker.failures} failures in a "
                    f"row (last: {self.last_error})", wait)
        try:
            observation = self._fetch(lat, lon)
        except ProviderUnavailable as exc:
            with self._lock:
                self.last_error = exc.reason
                self.breaker.failure()
            raise
        with self._lock:
            self.breaker.success()
            self.last_error = None
            self._cache[key] = (self.clock(), observation)
        return observation

    def _fetch(self, lat: float, lon: float) -> dict:
        try:
            response = self._session.get(
                f"{self.base_url}/weather", timeout=(self.timeout_s, self.timeout_s),
                params={"lat": lat, "lon": lon, "appid": self.api_key, "units": "metric"})
        except requests.Timeout:
            raise ProviderUnavailable("unavailable", f"no answer within {self.timeout_s:g} s")\
                from None
        except requests.RequestException as exc:
            raise ProviderUnavailable("unavailable", f"cannot reach the provider: "
                                      f"{type(exc).__name__}") from None
        if response.status_code in (401, 403):
            raise ProviderUnavailable("unavailable", "the provider refused the API key "
                                      f"(HTTP {response.status_code})")
        if response.status_code != 200:
            raise ProviderUnavailable("unavailable", f"the provider answered HTTP "
                                      f"{response.status_code}")
        try:
            return parse_current(response.json())
        except (ValueError, KeyError, TypeError):
            raise ProviderUnavailable("unavailable", "the provider's answer is not a current "
                                      "weather document") from None


def parse_current(body: dict) -> dict:
    """The fields we compare, from an OpenWeatherMap current-weather document (units=metric)."""
    main = body["main"]
    temperature, humidity = float(main["temp"]), main.get("humidity")
    weather = body.get("weather") or [{}]
    ts = int(body["dt"]) * 1000 if body.get("dt") is not None else None
    return {"temperature": temperature,
            "humidity": float(humidity) if humidity is not None else None,
            "pressure": float(main["pressure"]) if main.get("pressure") is not None else None,
            "wind_speed": (body.get("wind") or {}).get("speed"),
            "description": weather[0].get("description"),
            "place": body.get("name") or None, "country": (body.get("sys") or {}).get("country"),
            "ts": ts, "time": iso(ts) if ts is not None else None}


def provider() -> WeatherProvider:
    """The app's provider, built from its settings on first use."""
    app = current_app._get_current_object()
    instance = app.extensions.get(EXTENSION)
    if instance is None:
        c = app.config
        instance = app.extensions.setdefault(EXTENSION, WeatherProvider(
            c["WEATHER_API_URL"], c["WEATHER_API_KEY"], c["WEATHER_TIMEOUT_S"],
            c["WEATHER_CACHE_S"], c["WEATHER_BREAKER_FAILURES"], c["WEATHER_BREAKER_RESET_S"]))
    return instance
