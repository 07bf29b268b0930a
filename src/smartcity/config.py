"""Configuration classes. The only module that reads the environment."""

import os
from pathlib import Path

DEFAULT_SECRET = "dev-insecure-change-me"  # refused when SMARTCITY_ENV=production


def _flag(raw: str) -> bool:
    """An environment switch: 1/true/yes/on (any case) is on, anything else off."""
    return raw.strip().lower() in ("1", "true", "yes", "on")


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _names(value: str) -> list[str]:
    """A comma-separated list: a,b -> ["a", "b"]."""
    return [v.strip() for v in value.split(",") if v.strip()]


class Config:
    """Defaults for a development run on the embedded SQLite database."""

    ENV = "development"
    TESTING = False
    PROJECT_ROOT = Path.cwd()
    INSTANCE_DIR = PROJECT_ROOT / "instance"
    SETTINGS_FILE = PROJECT_ROOT / "config.py"

    SECRET_KEY = DEFAULT_SECRET
    JWT_SECRET_KEY = DEFAULT_SECRET
    JWT_ACCESS_TTL = 15 * 60
    JWT_REFRESH_TTL = 7 * 24 * 3600

    DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'smartcity.db'}"
    REDIS_URL = None
    MQTT_URL = None

    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    DEVICE_OFFLINE_AFTER = 300  # seconds without a reading or heartbeat
    DEFAULT_PAGE_SIZE = 50
    MAX_PAGE_SIZE = 1000

    # Telemetry ingest and storage
    MAX_BATCH_POINTS = 10_000
    MAX_CLOCK_SKEW = 300  # seconds a reading may be ahead of server time
    INGEST_QUEUE_SIZE = 2000  # jobs (requests/messages) waiting for the writer
    INGEST_COMMIT_TIMEOUT = 30  # seconds a request waits for its commit
    # HTTP ingest requests one process works on at once; more answer 503 + Retry-After at once
    # (load shedding: a burst cannot take every gunicorn thread from reads and WebSockets, nor
    # grow memory). 0: no limit.
    INGEST_MAX_IN_FLIGHT = 64
    RETENTION_DAYS = 90  # raw readings
    ROLLUP_RETENTION_DAYS = 730  # 1-minute and 1-hour rollups
    RETENTION_INTERVAL = 3600  # seconds between retention runs

    # MQTT ingest
    MQTT_INGEST = True  # set false on app processes when `run.py ingest-worker` consumes
    MQTT_CLIENT_ID = None  # default smartcity-<hostname>; a role suffix is added per process
    # $share/smartcity/... so that several ingest workers split the load. Off by default:
    # Mosquitto 2.0 does not restore shared subscriptions after a broker crash, so a single
    # worker subscribes plainly (README, Guarantees).
    MQTT_SHARED_SUBSCRIPTION = False
    # The broker's dynamic-security admin client (run.py mqtt-bootstrap creates it): the platform
    # creates, re-keys, disables and deletes device accounts with it. Unset: not managed.
    MQTT_ADMIN_USERNAME = None
    MQTT_ADMIN_PASSWORD = None
    MQTT_SESSION_EXPIRY = 86_400  # seconds the broker keeps our session (and queue) offline
    DEVICE_CACHE_TTL = 5  # seconds ingest caches a device's identity (see devices/directory.py)
    MQTT_PUBLIC_HOST = None  # broker host devices should use, if not MQTT_URL's

    # Device control
    COMMAND_RATE_LIMIT = "30 per minute"  # commands per device
    COMMAND_EXPIRY_INTERVAL = 15  # seconds between sweeps that expire overdue commands
    SCHEDULER_TICK_S = 15.0  # seconds between the scheduler's looks for due jobs

    # Socket.IO: with REDIS_URL every process emits through this Redis channel
    SOCKETIO_CHANNEL = "smartcity-socketio"

    # Notifications: per-rule webhooks and e-mail, sent by a delivery worker with retries
    NOTIFY_WORKER = True  # send from a background thread; False: only run_due()/the sweep job
    NOTIFY_MAX_ATTEMPTS = 6  # attempts per delivery, the first one included
    NOTIFY_BACKOFF_BASE_S = 2  # first retry after up to this many seconds, doubling each time
    NOTIFY_BACKOFF_MAX_S = 3600  # longest wait between two attempts
    NOTIFY_TIMEOUT_S = 10  # connect/read timeout of one webhook or SMTP attempt
    NOTIFY_SWEEP_INTERVAL = 30  # seconds between scheduler sweeps for due retries
    # Webhooks reach public addresses only; list on-premises receivers here (networks such as
    # 10.20.0.0/16, addresses or host names; comma-separated in the environment).
    WEBHOOK_ALLOWED_TARGETS: list[str] = []
    SMTP_HOST = None  # unset: no e-mail notifications
    SMTP_PORT = 25
    SMTP_USER = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    SMTP_FROM = "smartcity@localhost"
    # People's own notifications (notifications/people.py): SMS through a Twilio-compatible
    # provider, Web Push with VAPID, chat webhooks; digests are put together by a job.
    SMS_API_URL = None  # e.g. https://api.twilio.com/2010-04-01; unset: no SMS
    SMS_ACCOUNT_SID = None
    SMS_AUTH_TOKEN = None
    SMS_FROM = None  # the sending number (E.164) or messaging service
    VAPID_PRIVATE_KEY = None  # base64url raw P-256 key (`run.py vapid-key`); unset: no push
    VAPID_SUBJECT = "mailto:smartcity@localhost"  # who the push service may contact
    PUSH_TTL_S = 3600  # how long a push service keeps an undelivered message
    NOTIFY_DIGEST_INTERVAL = 60  # seconds between runs of the digest job

    # Accounts: password policy and reset by e-mail
    PASSWORD_MIN_SCORE = 3  # zxcvbn score (0-4) a new password needs
    PASSWORD_RESET_TTL_S = 1800  # a reset token works once, for this long
    # The dashboard's public address (https://city.example), for links in e-mails; never taken
    # from the request's Host header, which a caller could forge (reset-link poisoning).
    PUBLIC_URL = None

    # Weather provider (OpenWeatherMap-compatible) that the weather stations are compared with
    WEATHER_API_URL = "https://api.openweathermap.org/data/2.5"
    WEATHER_API_KEY = None  # unset: no comparison; the compare call says "unconfigured"
    WEATHER_TIMEOUT_S = 3.0  # connect and read timeout of one call
    WEATHER_CACHE_S = 600  # an answer is reused this long per location
    WEATHER_BREAKER_FAILURES = 3  # failures in a row that open the circuit
    WEATHER_BREAKER_RESET_S = 60  # seconds the open circuit fails calls without trying

    # Dashboard map: an optional raster tile layer under the city's GeoJSON ({z}/{x}/{y} URL)
    MAP_TILE_URL = None
    MAP_TILE_ATTRIBUTION = ""

    # Background threads (writer starts on demand; these start with the server)
    START_BACKGROUND = True

    LOGIN_RATE_LIMIT = "10 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "smartcity"
    # Redis down: count in this process instead (logged) so that sign-in keeps working, and
    # give up on Redis quickly rather than hold the request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

    CORS_ORIGINS: list[str] = []
    # /metrics and /api/health?detailed=1: a bearer token for the scraper and/or client
    # networks (comma-separated in the environment); by default only this host.
    METRICS_TOKEN = None
    METRICS_ALLOWED_IPS: list[str] = ["127.0.0.1/32", "::1/128"]
    PROXY_FIX = 0  # trusted reverse proxies in front (nginx: 1); 0 trusts no X-Forwarded-*
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # Domains to enable (names in smartcity.domains.INSTALLED or dotted package paths);
    # None enables every installed one.
    DOMAINS: list[str] | None = None

    # Overridable by the environment, in this order of precedence: env > settings file > class.
    ENV_KEYS = {
        "DATABASE_URL": str,
        "REDIS_URL": str,
        "MQTT_URL": str,
        "SECRET_KEY": str,
        "JWT_SECRET_KEY": str,
        "LOG_FORMAT": str,
        "LOG_LEVEL": str,
        "DEVICE_OFFLINE_AFTER": int,
        "JWT_ACCESS_TTL": int,
        "JWT_REFRESH_TTL": int,
        "MAX_CONTENT_LENGTH": int,
        "LOGIN_RATE_LIMIT": str,
        "WEBHOOK_ALLOWED_TARGETS": str,
        "METRICS_TOKEN": str,
        "METRICS_ALLOWED_IPS": str,
        "MAX_BATCH_POINTS": int,
        "MAX_CLOCK_SKEW": int,
        "INGEST_QUEUE_SIZE": int,
        "INGEST_MAX_IN_FLIGHT": int,
        "RETENTION_DAYS": int,
        "MQTT_CLIENT_ID": str,
        "PROXY_FIX": int,
        "MQTT_PUBLIC_HOST": str,
        "COMMAND_RATE_LIMIT": str,
        "COMMAND_EXPIRY_INTERVAL": int,
        "SCHEDULER_TICK_S": float,
        "SOCKETIO_CHANNEL": str,
        "DEVICE_CACHE_TTL": float,
        "START_BACKGROUND": _flag,
        "MQTT_INGEST": _flag,
        "MQTT_SHARED_SUBSCRIPTION": _flag,
        "MQTT_ADMIN_USERNAME": str,
        "MQTT_ADMIN_PASSWORD": str,
        "ROLLUP_RETENTION_DAYS": int,
        "NOTIFY_MAX_ATTEMPTS": int,
        "NOTIFY_BACKOFF_BASE_S": float,
        "SMTP_HOST": str,
        "SMTP_PORT": int,
        "SMTP_USER": str,
        "SMTP_PASSWORD": str,
        "SMTP_STARTTLS": _flag,
        "SMTP_FROM": str,
        "SMS_API_URL": str,
        "SMS_ACCOUNT_SID": str,
        "SMS_AUTH_TOKEN": str,
        "SMS_FROM": str,
        "VAPID_PRIVATE_KEY": str,
        "VAPID_SUBJECT": str,
        "PUSH_TTL_S": int,
        "PASSWORD_MIN_SCORE": int,
        "PASSWORD_RESET_TTL_S": int,
        "PUBLIC_URL": str,
        "WEATHER_API_URL": str,
        "WEATHER_API_KEY": str,
        "WEATHER_TIMEOUT_S": float,
        "MAP_TILE_URL": str,
        "MAP_TILE_ATTRIBUTION": str,
        "DOMAINS": _names,
    }

    @classmethod
    def from_environment(cls) -> dict:
        """Return the settings the process environment overrides."""
        values = {}
        for name, kind in cls.ENV_KEYS.items():
            raw = os.environ.get(name)
            if raw not in (None, ""):
                values[name] = kind(raw)
        env = os.environ.get("SMARTCITY_ENV")
        if env:
            values["ENV"] = env
        origins = os.environ.get("CORS_ORIGINS")
        if origins:
            values["CORS_ORIGINS"] = [o.strip() for o in origins.split(",") if o.strip()]
        return values


class TestConfig(Config):
    """Settings for the test suite: fresh secrets, no background threads."""

    ENV = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-0123456789abcdef0123456789"
    JWT_SECRET_KEY = "test-jwt-key-0123456789abcdef0123456789abcd"
    DATABASE_URL = "sqlite://"
    START_BACKGROUND = False
    NOTIFY_WORKER = False  # tests send notifications with run_due() unless they ask
    WEBHOOK_ALLOWED_TARGETS = ["127.0.0.1/32"]  # the tests' local receivers

    @classmethod
    def from_environment(cls) -> dict:
        # Tests choose their own database and services explicitly.
        return {}


def test_database_url() -> str | None:
    """The database the test suite should use, if one is configured."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return normalise_database_url(url) if url else None


def test_service_urls() -> dict:
    """Redis and MQTT URLs the test suite may use, and whether CI demands them."""
    return {
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "MQTT_URL": os.environ.get("MQTT_URL"),
        "CI": os.environ.get("CI", "").lower() in ("1", "true", "yes"),
    }
