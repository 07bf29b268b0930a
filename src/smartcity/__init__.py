"""smartcity: one Flask service to watch and steer a city's infrastructure live."""

from flask import Flask

from smartcity.config import DEFAULT_SECRET, Config


def create_app(config_class=Config, overrides: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error handlers."""
    # No app-level static folder: the dashboard blueprint serves /static.
    app = Flask(__name__, instance_path=str(config_class.INSTANCE_DIR), static_folder=None)
    app.config.from_object(config_class)
    if not app.config["TESTING"] and config_class.SETTINGS_FILE.is_file():
        app.config.from_pyfile(str(config_class.SETTINGS_FILE))
    app.config.update(config_class.from_environment())
    app.config.update(overrides or {})
    _check_secrets(app)
    from smartcity import http
    from smartcity.http import NoCookieSessions
    from smartcity.jsoncodec import OrjsonProvider

    app.session_interface = NoCookieSessions()
    app.json = OrjsonProvider(app)
    http.init_app(app)  # the bounded <int:> converter must exist before blueprints register
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind nginx the client address (rate limits, audit log) is in X-Forwarded-For.
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from smartcity import errors
    from smartcity.extensions import cors, db, limiter
    from smartcity.ops import logging, metrics, security

    logging.init_app(app)
    db.init_app(app)
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    # The limiter is one object for every app of the process, and init_app defaults `enabled` to
    # its current value: an app built with RATELIMIT_ENABLED=False would switch limits off for
    # every app built after it.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    checks = app.before_request_funcs.get(None, [])
    if (not app.config.get("RATELIMIT_DEFAULT") and not app.config.get("RATELIMIT_APPLICATION")
            and limiter._check_request_limit in checks):
        # Only decorated routes are limited, and their decorators check; Flask-Limiter's pass
        # over every other request finds nothing and cost ~15 % of a telemetry post. With
        # RATELIMIT_ENABLED=False Flask-Limiter never registers that pass.
        checks.remove(limiter._check_request_limit)
    if app.config["CORS_ORIGINS"]:
        # With no origin allowed, Flask-CORS adds no header, yet its after-request pass cost
        # ~2.5 % of a single-reading post.
        cors.init_app(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
                      supports_credentials=False)
    errors.init_app(app)
    security.init_app(app)
    metrics.init_app(app)
    _register_blueprints(app)
    _init_subsystems(app)
    return app


def _init_subsystems(app: Flask) -> None:
    from smartcity import domains
    from smartcity.alerts import setup as alerts
    from smartcity.dashboard import setup as dashboard
    from smartcity.devices import setup as device_control
    from smartcity.jobs import scheduler
    from smartcity.mqtt import setup as mqtt
    from smartcity.notifications import setup as notifications
    from smartcity.realtime import setup as realtime
    from smartcity.telemetry import setup as telemetry

    jobs = scheduler.init_app(app)
    telemetry.init_app(app)
    device_control.init_app(app)
    realtime.init_app(app)
    alerts.init_app(app)
    notifications.init_app(app)
    mqtt.init_app(app)
    dashboard.init_app(app)
    domains.init_app(app)  # last: domains build on every subsystem above
    if app.config["START_BACKGROUND"]:
        jobs.start(app.config["SCHEDULER_TICK_S"])


def _register_blueprints(app: Flask) -> None:
    from smartcity.alerts.routes import bp as alerts_bp
    from smartcity.assets.routes import bp as assets_bp
    from smartcity.audit.routes import bp as audit_bp
    from smartcity.auth.role_routes import bp as roles_bp
    from smartcity.auth.routes import bp as auth_bp
    from smartcity.auth.service_account_routes import bp as service_accounts_bp
    from smartcity.auth.user_routes import bp as users_bp
    from smartcity.custom_dashboards.routes import bp as custom_dashboards_bp
    from smartcity.dashboard.api import bp as dashboard_api_bp
    from smartcity.dashboard.routes import bp as dashboard_bp
    from smartcity.devices.control_routes import bp as device_control_bp
    from smartcity.devices.group_routes import bp as device_groups_bp
    from smartcity.devices.routes import bp as devices_bp
    from smartcity.devices.routes import catalogue_bp
    from smartcity.jobs.routes import bp as jobs_bp
    from smartcity.notifications.routes import bp as notifications_bp
    from smartcity.notifications.routes import me_bp as my_notifications_bp
    from smartcity.ops.routes import bp as ops_bp
    from smartcity.telemetry.routes import bp as telemetry_bp

    for bp in (ops_bp, auth_bp, users_bp, roles_bp, service_accounts_bp, devices_bp, catalogue_bp,
               device_control_bp, device_groups_bp, telemetry_bp, jobs_bp,
               audit_bp, alerts_bp, assets_bp, custom_dashboards_bp, notifications_bp,
               my_notifications_bp,
               dashboard_api_bp, dashboard_bp):
        app.register_blueprint(bp)


def _check_secrets(app: Flask) -> None:
    if app.config["ENV"] != "production":
        return
    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = app.config.get(name) or ""
        if value == DEFAULT_SECRET or len(value) < 32 or _entropy_bits(value) < 100:
            raise RuntimeError(f"{name} must be set to a random value of 32+ characters "
                               "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                               " when SMARTCITY_ENV=production")
    if app.config["SECRET_KEY"] == app.config["JWT_SECRET_KEY"]:
        raise RuntimeError("SECRET_KEY and JWT_SECRET_KEY must differ: one leaked key would "
                           "otherwise forge both")


def _entropy_bits(value: str) -> float:
    """Shannon entropy of the characters times the length: 40 x "a" is 0, "abab..." 1 bit per
    character, a 43-character token_urlsafe about 200."""
    from collections import Counter
    from math import log2

    counts = Counter(value)
    return -len(value) * sum(n / len(value) * log2(n / len(value)) for n in counts.values())
