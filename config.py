"""Deployment settings for smartcity: optional overrides of the built-in defaults.

The application loads this file with `app.config.from_pyfile` when it exists in the working
directory (not in tests). Only UPPERCASE names are read. Everything below is commented out, so the
file changes nothing until you uncomment a line; the values shown are the defaults.

Precedence, lowest to highest: the Config class (src/smartcity/config.py) < this file <
environment variables (for the settings marked "env") < overrides passed to create_app() by code.
Keep secrets out of version control: prefer the environment for SECRET_KEY and JWT_SECRET_KEY.
"""

# --- Environment ------------------------------------------------------------------------------

# "development" or "production" (env: SMARTCITY_ENV). Production refuses the default or a short
# SECRET_KEY / JWT_SECRET_KEY and adds Strict-Transport-Security to every response.
# ENV = "development"

# --- Secrets ----------------------------------------------------------------------------------

# Signs Flask sessions (env). Production: 32+ random characters, e.g.
# python -c "import secrets; print(secrets.token_urlsafe(48))"
# SECRET_KEY = "dev-insecure-change-me"

# Signs access and refresh JWTs (HS256) (env). Production: 32+ random characters, different from
# SECRET_KEY. Changing it signs everyone out.
# JWT_SECRET_KEY = "dev-insecure-change-me"

# Lifetime of an access token, in seconds (env).
# JWT_ACCESS_TTL = 15 * 60

# Lifetime of a refresh token, in seconds (env).
# JWT_REFRESH_TTL = 7 * 24 * 3600

# --- Services ---------------------------------------------------------------------------------

# SQLAlchemy URL of the database (env). Unset: SQLite file instance/smartcity.db under the working
# directory. PostgreSQL: postgresql://user:password@host:5432/dbname (postgres:// and postgresql://
# are switched to the psycopg 3 driver automatically).
# DATABASE_URL = "sqlite:///instance/smartcity.db"

# Redis, e.g. "redis://127.0.0.1:6379/0" (env). When set, rate limits are shared through it by all
# processes; None keeps them in each process's memory.
# REDIS_URL = None

# MQTT broker, "mqtt://[user:pass@]host:1883" or "mqtts://..." (env). None: no MQTT.
# MQTT_URL = None

# --- MQTT ingest and device control -----------------------------------------------------------

# Consume devices/+/telemetry (and status, attributes, command responses) in this process (env).
# Set False on web processes when `run.py ingest-worker` consumes (docker-compose does).
# MQTT_INGEST = True

# Base of our MQTT client ids (env); each process adds its role (serve, worker, app-<pid>) so a
# restarted process resumes its persistent session, then a random suffix kept in
# instance/mqtt-client-suffix so that nobody can guess it. Default smartcity-<hostname>.
# MQTT_CLIENT_ID = None

# Subscribe through $share/smartcity/... so several ingest workers split the messages (env).
# Off: Mosquitto 2.0 does not restore shared subscriptions after a broker crash (README,
# Guarantees), so one worker subscribes plainly; turn it on only to run several workers.
# MQTT_SHARED_SUBSCRIPTION = False

# The broker's dynamic-security admin login (env): with it the platform creates, re-keys,
# disables and deletes each device's broker account (`run.py mqtt-bootstrap` creates it).
# MQTT_ADMIN_USERNAME = None
# MQTT_ADMIN_PASSWORD = None

# Seconds the broker keeps our session, and the messages queued for it, while we are away.
# MQTT_SESSION_EXPIRY = 86_400

# Seconds HTTP and MQTT ingest cache a device's identity (key, enabled or not). Changes made
# through one process apply there at once, and in the others at once with REDIS_URL, else at
# most this long after; 0 looks the device up for every reading.
# DEVICE_CACHE_TTL = 5

# Broker host name given to devices by GET /api/devices/me/credentials, when devices reach the
# broker under another name than MQTT_URL's (env).
# MQTT_PUBLIC_HOST = None

# Commands accepted per device (env), flask-limiter syntax; seconds between expiry sweeps (env).
# COMMAND_RATE_LIMIT = "30 per minute"
# COMMAND_EXPIRY_INTERVAL = 15

# Seconds between the scheduler's looks for due jobs (env), in every process that starts it.
# A job runs once per its interval across all processes whatever the tick (a lease in job_runs).
# SCHEDULER_TICK_S = 15.0

# Redis channel Socket.IO emits travel on between processes when REDIS_URL is set (env).
# SOCKETIO_CHANNEL = "smartcity-socketio"

# --- Requests, devices, lists -----------------------------------------------------------------

# Largest accepted request body in bytes (env); larger requests get 413. Keep nginx's
# client_max_body_size equal (nginx.conf: 16m).
# MAX_CONTENT_LENGTH = 16 * 1024 * 1024

# Seconds without a reading or heartbeat after which a device counts as offline (env).
# DEVICE_OFFLINE_AFTER = 300

# Page size of list endpoints when ?limit= is absent, and the largest ?limit= accepted.
# DEFAULT_PAGE_SIZE = 50
# MAX_PAGE_SIZE = 1000

# --- Telemetry ingest and storage -------------------------------------------------------------

# Most points accepted in one request (env); more is answered 413 too_many_points.
# MAX_BATCH_POINTS = 10_000

# Seconds a reading's timestamp may be ahead of server time before it is rejected (env).
# MAX_CLOCK_SKEW = 300

# Requests or messages waiting for the writer thread (env). When full, ingest answers 503 with
# Retry-After instead of queueing without bound.
# INGEST_QUEUE_SIZE = 2000

# HTTP ingest requests one process works on at once (env). Beyond, ingest answers 503
# ingest_busy with Retry-After before reading the body (load shedding). 0: no limit.
# INGEST_MAX_IN_FLIGHT = 64

# Seconds an ingest request waits for its batch to be committed before answering 503
# (retrying is safe: a duplicate reading is ignored).
# INGEST_COMMIT_TIMEOUT = 30

# Days raw readings are kept (env); on PostgreSQL whole weekly partitions are dropped.
# RETENTION_DAYS = 90

# Days the 1-minute and 1-hour rollups are kept (env).
# ROLLUP_RETENTION_DAYS = 730

# Seconds between retention runs (one process runs each job per interval).
# RETENTION_INTERVAL = 3600

# Start the background scheduler and MQTT consumer with the web server (env). CLI commands other
# than `serve` and `ingest-worker` turn it off themselves.
# START_BACKGROUND = True

# --- Notifications (alert rules' "notify": webhooks and e-mail) -----------------------------

# Webhooks reach public addresses only. On-premises receivers to allow (env: comma-separated):
# networks, addresses or host names.
# WEBHOOK_ALLOWED_TARGETS = []  # e.g. ["10.20.0.0/16", "hooks.internal"]

# SMTP server for alarm e-mails (env). None: e-mail recipients on rules are ignored.
# SMTP_HOST = None

# SMTP port (env): 25 for a local relay, 587 with SMTP_STARTTLS. Implicit TLS (465) is not
# supported.
# SMTP_PORT = 25

# Credentials, used when SMTP_USER is set (env). Send them only over SMTP_STARTTLS.
# SMTP_USER = None
# SMTP_PASSWORD = None

# Upgrade the SMTP connection with STARTTLS, verifying the server's certificate (env).
# SMTP_STARTTLS = False

# Sender address of alarm e-mails (env).
# SMTP_FROM = "smartcity@localhost"

# People's own notifications (GET/PUT /api/users/me/notifications). SMS goes through a
# Twilio-compatible provider: POST {SMS_API_URL}/Accounts/{SMS_ACCOUNT_SID}/Messages.json, form
# To/From/Body, basic auth SID:token; e.g. https://api.twilio.com/2010-04-01. Unset: no SMS (env).
# SMS_API_URL = None
# SMS_ACCOUNT_SID = None
# SMS_AUTH_TOKEN = None
# The sending number (E.164) (env).
# SMS_FROM = None
# Web Push: the server's VAPID private key (`run.py vapid-key` prints one). Unset: no push (env).
# VAPID_PRIVATE_KEY = None
# Whom push services may contact about our messages, mailto: or https: (env).
# VAPID_SUBJECT = "mailto:smartcity@localhost"
# How long a push service keeps a message for a browser that is offline, in seconds (env).
# PUSH_TTL_S = 3600
# Seconds between runs of the job that sends hourly/daily digests and what quiet hours held.
# NOTIFY_DIGEST_INTERVAL = 60

# --- Accounts ---------------------------------------------------------------------------------

# Lowest zxcvbn score (0-4) a new password needs, on create, change and reset (env). 3 is
# "safely unguessable"; common and breached passwords score 0-1.
# PASSWORD_MIN_SCORE = 3

# A password-reset token, e-mailed through SMTP_HOST, works once, for this many seconds (env).
# PASSWORD_RESET_TTL_S = 1800

# The dashboard's public address, e.g. https://city.example: the reset e-mail links to
# {PUBLIC_URL}/reset-password#token=... Never taken from a request's Host header (env).
# PUBLIC_URL = None

# Attempts per webhook or e-mail delivery, the first one included (env). Connection errors,
# timeouts, HTTP 429/5xx and SMTP 4xx are retried; other failures are final.
# NOTIFY_MAX_ATTEMPTS = 6

# Retry n waits NOTIFY_BACKOFF_BASE_S * 2**(n-1) seconds, 50-100 % of it at random, at most
# NOTIFY_BACKOFF_MAX_S (env for the base).
# NOTIFY_BACKOFF_BASE_S = 2
# NOTIFY_BACKOFF_MAX_S = 3600

# Seconds one webhook request or SMTP conversation may take.
# NOTIFY_TIMEOUT_S = 10

# Send from a background thread in each process that queues notifications. False leaves sending
# to the scheduler job, which then sends due deliveries itself every NOTIFY_SWEEP_INTERVAL s.
# NOTIFY_WORKER = True
# NOTIFY_SWEEP_INTERVAL = 30

# --- Weather provider -------------------------------------------------------------------------

# An OpenWeatherMap-compatible current-weather API the weather stations are compared with
# (GET /api/environment/weather/compare and a discrepancy alarm). Base URL and key (env); with
# no key the comparison answers status "unconfigured".
# WEATHER_API_URL = "https://api.openweathermap.org/data/2.5"
# WEATHER_API_KEY = None

# Seconds one call may take (env); answers are reused for WEATHER_CACHE_S per location.
# WEATHER_TIMEOUT_S = 3.0
# WEATHER_CACHE_S = 600

# After WEATHER_BREAKER_FAILURES failures in a row, calls fail at once for
# WEATHER_BREAKER_RESET_S seconds; then calls go through again, and one failure reopens it.
# WEATHER_BREAKER_FAILURES = 3
# WEATHER_BREAKER_RESET_S = 60

# --- Rate limits ------------------------------------------------------------------------------

# Login attempts, per client address and per attempted account (env). flask-limiter syntax.
# LOGIN_RATE_LIMIT = "10 per minute"

# Where rate-limit counters live. "memory://" is replaced by REDIS_URL when that is set; set a
# different storage URI here to use another Redis than REDIS_URL.
# RATELIMIT_STORAGE_URI = "memory://"

# Send X-RateLimit-* headers with responses.
# RATELIMIT_HEADERS_ENABLED = True

# Prefix of rate-limit keys in the storage (lets deployments share one Redis).
# RATELIMIT_KEY_PREFIX = "smartcity"

# With the storage (Redis) down, count in this process instead, so sign-in keeps working.
# RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

# Options of the storage client: give up on an unreachable Redis quickly.
# RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

# --- Browsers and logs ------------------------------------------------------------------------

# Number of reverse proxies in front (env). 1 behind nginx: the client address for rate limits
# and the audit log comes from X-Forwarded-For. 0 trusts no forwarding header.
# PROXY_FIX = 0

# Who may read /metrics and /api/health?detailed=1: a scraper sending this bearer token (env),
# or clients from these networks (env: comma-separated). Others get 403 / the plain status.
# METRICS_TOKEN = None
# METRICS_ALLOWED_IPS = ["127.0.0.1/32", "::1/128"]

# Origins allowed to call /api/* from a browser on another origin (env: comma-separated list).
# Empty: same-origin only.
# CORS_ORIGINS = []  # e.g. ["https://dashboard.example.org"]

# Dashboard map: a raster tile layer under the city's GeoJSON layers (env), an
# "https://.../{z}/{x}/{y}.png" URL, and its attribution text. None: the map draws the city's
# layers on a plain background (no requests leave the site).
# MAP_TILE_URL = None
# MAP_TILE_ATTRIBUTION = ""

# "text" or "json" log lines (env).
# LOG_FORMAT = "text"

# Python logging level: DEBUG, INFO, WARNING, ERROR (env).
# LOG_LEVEL = "INFO"

# The domains to enable (env: comma-separated): names from smartcity/domains.py or package paths
# of your own domains. None enables every installed domain.
# DOMAINS = None

# --- Environment domain (air quality, noise) ---------------------------------------------------

# The city's time zone (IANA name): the noise periods (day 07-19, evening 19-23, night 23-07) and
# the 07:00-to-07:00 noise day are local time.
# ENVIRONMENT_TIMEZONE = "UTC"

# ENVIRONMENT_NOISE_LIMITS: LAeq limits in dB(A) per district type (the district asset's "kind")
# and period, {"residential": {"day": 55, "evening": 50, "night": 45}, ...}; defaults: residential
# 55/50/45, mixed 60/55/50, commercial 65/60/55, industrial 70/65/60. Set the whole dict.

# Seconds between runs of the job writing derived aqi/eaqi/laeq_1h/noise_exceedance values; an
# hour is computed this many seconds after it ends; hours the job looks back for missing values.
# ENVIRONMENT_DERIVED_INTERVAL = 300
# ENVIRONMENT_DERIVED_DELAY_S = 60
# ENVIRONMENT_BACKFILL_HOURS = 48

# Weather stations against the weather provider (WEATHER_API_KEY): a station whose temperature
# differs by more than ENVIRONMENT_WEATHER_MAX_DIFF_C °C, or humidity by more than
# ENVIRONMENT_WEATHER_MAX_DIFF_RH points, raises a weather_discrepancy alarm (major beyond twice
# the threshold), checked every ENVIRONMENT_WEATHER_COMPARE_INTERVAL seconds.
# ENVIRONMENT_WEATHER_MAX_DIFF_C = 5.0
# ENVIRONMENT_WEATHER_MAX_DIFF_RH = 20.0
# ENVIRONMENT_WEATHER_COMPARE_INTERVAL = 900

# --- Not deployment settings -----------------------------------------------------------------
# Leave these out: PROJECT_ROOT, INSTANCE_DIR and SETTINGS_FILE are read before this file is
# loaded (they locate it), ENV_KEYS lists the environment overrides, and TESTING belongs to the
# test configuration.
