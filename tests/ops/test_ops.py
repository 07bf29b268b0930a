import json
import logging
import sys
import time
from pathlib import Path

import pytest
from flask import session
from flask.sessions import NullSession

from smartcity import create_app
from smartcity.config import DEFAULT_SECRET, Config
from smartcity.extensions import db
from smartcity.ops.logging import JsonFormatter

# --- health, metrics, API description ------------------------------------------------------


def test_health_is_ok(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["version"]
    assert "services" not in body


def test_detailed_health_reports_the_database(client):
    body = client.get("/api/health?detailed=1").get_json()
    database = body["services"]["database"]
    assert database["status"] == "ok"
    assert database["backend"] in ("sqlite", "postgresql")
    assert body["services"]["redis"]["status"] in ("disabled", "ok")


def test_health_is_down_with_503_when_the_database_is_unreachable(make_app):
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/api/health?detailed=1")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down"
    assert body["services"]["database"]["status"] == "down"


def test_metrics_are_prometheus_text_counting_requests(client):
    client.get("/api/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Type"].count("charset") == 1
    text = response.get_data(as_text=True)
    assert "# TYPE smartcity_http_requests_total counter" in text
    assert ('smartcity_http_requests_total{endpoint="/api/health",method="GET",status="200"} 1.0'
            in text)
    assert "smartcity_http_request_seconds_bucket" in text


def test_metrics_label_unmatched_paths_without_the_path(client):
    client.get("/api/not-a-route-123")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'endpoint="unmatched"' in text and "not-a-route-123" not in text


def test_openapi_describes_the_api_with_docstring_summaries(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    device = spec["paths"]["/api/devices/{device_id}"]
    assert set(device) == {"get", "patch", "delete"}
    assert device["get"]["summary"] == "Show a device."
    assert device["get"]["parameters"][0]["name"] == "device_id"
    assert device["delete"]["x-auth"] == "admin"
    assert device["get"]["security"] == [{"bearer": []}]
    login = spec["paths"]["/api/auth/login"]["post"]
    assert (login["security"], login["x-auth"]) == ([], "public")
    heartbeat = spec["paths"]["/api/devices/heartbeat"]["post"]
    assert heartbeat["security"] == [{"deviceKey": []}]
    assert spec["paths"]["/api/users/{user_id}"]["get"]["parameters"][0]["schema"][
        "type"] == "integer"
    assert "/metrics" not in spec["paths"]


def test_docs_page_is_html_listing_endpoints(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "/api/devices/{device_id}" in page and "Show a device." in page
    css = client.get("/api/docs.css")
    assert css.status_code == 200 and css.mimetype == "text/css"


# --- audit log ------------------------------------------------------------------------------


def test_audit_shows_logins_and_device_creation(client, admin_headers, make_device):
    make_device("audited-aq")
    body = client.get("/api/audit", headers=admin_headers).get_json()
    actions = [entry["action"] for entry in body["items"]]
    assert actions[:2] == ["device.created", "auth.login"]  # newest first
    created = body["items"][0]
    assert (created["target_type"], created["target_id"]) == ("device", "audited-aq")
    assert created["actor_type"] == "user" and created["actor_name"].startswith("admin")
    assert created["details"] == {"type": "air_quality_station"}
    assert created["ts"].endswith("Z")


def test_audit_paginates_newest_first(client, admin_headers, make_device):
    for n in range(3):
        make_device(f"page-{n}")
    first = client.get("/api/audit?limit=2", headers=admin_headers).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client.get(f"/api/audit?limit=2&cursor={first['next_cursor']}",
                        headers=admin_headers).get_json()
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    assert [e["target_id"] for e in first["items"]] == ["page-2", "page-1"]


def test_audit_filters_by_action(client, admin_headers, make_device):
    make_device("one")
    make_device("two")
    body = client.get("/api/audit?action=device.created", headers=admin_headers).get_json()
    assert [e["target_id"] for e in body["items"]] == ["two", "one"]
    assert body["next_cursor"] is None


def test_audit_filters_by_time(client, admin_headers, make_device):
    make_device("recent")
    future = client.get("/api/audit?start=2999-01-01T00:00:00Z", headers=admin_headers)
    assert future.get_json()["items"] == []
    recent = client.get("/api/audit?start=-1h&action=device.created", headers=admin_headers)
    assert [e["target_id"] for e in recent.get_json()["items"]] == ["recent"]
    bad = client.get("/api/audit?start=yesterday", headers=admin_headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["field"] == "start"


def test_audit_is_admin_only(client, headers):
    assert client.get("/api/audit", headers=headers("operator")).status_code == 403


# --- production settings -------------------------------------------------------------------


SECRET = "Qm3v9xT2pLk8RwZ4nB7cY1sF6hJ0dGaE5uVtXqMi"
JWT_SECRET = "hU8rN3kW6yP1cZ9mT4vB7qL2xS5gJ0dFaEoRiKwY"


class Deployed(Config):
    SETTINGS_FILE = Path(__file__).with_name("absent-settings.py")  # only the environment speaks


class ProductionConfig(Deployed):
    ENV = "production"


@pytest.fixture
def clean_environment(monkeypatch):
    for name in (*Config.ENV_KEYS, "SMARTCITY_ENV", "CORS_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def built():
    """Apps a test builds with create_app itself; their connections are closed afterwards."""
    apps = []
    yield apps
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("secrets", [
    {},
    {"SECRET_KEY": "s" * 40},
    {"JWT_SECRET_KEY": "j" * 40},
    {"SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 31},
    {"SECRET_KEY": DEFAULT_SECRET, "JWT_SECRET_KEY": "j" * 40},
])
def test_production_refuses_default_or_short_secrets(clean_environment, secrets):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, secrets)


def test_smartcity_env_production_refuses_default_secrets(clean_environment):
    clean_environment.setenv("SMARTCITY_ENV", "production")
    with pytest.raises(RuntimeError, match="SMARTCITY_ENV=production"):
        create_app(Deployed)


def test_production_accepts_long_secrets_from_the_environment(clean_environment, database_url,
                                                             built):
    clean_environment.setenv("SMARTCITY_ENV", "production")
    clean_environment.setenv("SECRET_KEY", SECRET)
    clean_environment.setenv("JWT_SECRET_KEY", JWT_SECRET)
    clean_environment.setenv("DATABASE_URL", database_url)
    app = create_app(Deployed, {"TESTING": True, "START_BACKGROUND": False})
    built.append(app)
    assert app.config["ENV"] == "production"
    assert app.test_client().get("/api/health").status_code == 200


def test_production_accepts_32_character_secrets(make_app):
    app = make_app(ENV="production", SECRET_KEY=SECRET[:32], JWT_SECRET_KEY=JWT_SECRET[:32])
    assert app.config["ENV"] == "production"


@pytest.mark.parametrize("secrets, match", [
    ({"SECRET_KEY": "a" * 40, "JWT_SECRET_KEY": JWT_SECRET}, "SECRET_KEY"),
    ({"SECRET_KEY": SECRET, "JWT_SECRET_KEY": "ab" * 20}, "JWT_SECRET_KEY"),
    ({"SECRET_KEY": SECRET, "JWT_SECRET_KEY": SECRET}, "must differ"),
])
def test_production_refuses_low_entropy_or_shared_secrets(clean_environment, secrets, match):
    with pytest.raises(RuntimeError, match=match):
        create_app(ProductionConfig, secrets)


# --- who sees operational detail ------------------------------------------------------------


OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def test_metrics_and_detailed_health_are_closed_to_other_hosts(client):
    response = client.get("/metrics", environ_base=OUTSIDE)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    health = client.get("/api/health?detailed=1", environ_base=OUTSIDE).get_json()
    assert "services" not in health and health["status"] == "ok"


def test_metrics_token_or_allowed_network_opens_them(make_app):
    client = make_app(METRICS_TOKEN="scrape-token-123",
                      METRICS_ALLOWED_IPS="10.9.0.0/16").test_client()
    assert client.get("/metrics", environ_base=OUTSIDE,
                      headers={"Authorization": "Bearer scrape-token-123"}).status_code == 200
    assert client.get("/metrics", environ_base=OUTSIDE,
                      headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.4.5"}).status_code == 200
    assert client.get("/metrics").status_code == 403  # the setting replaced the default


# --- Redis down ------------------------------------------------------------------------------


def test_redis_down_rate_limits_count_in_process_and_login_works(make_app, make_user):
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    user, password = make_user()
    body = {"username": user["username"], "password": password}
    assert client.post("/api/auth/login", json=body).status_code == 200
    for _ in range(2):
        client.post("/api/auth/login", json={**body, "password": "wrong-one"})
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 429  # still limited, by the in-process fallback


# --- logging --------------------------------------------------------------------------------


@pytest.fixture
def tokyo_time(monkeypatch):
    """Run with a local time zone far from UTC, so local/UTC mix-ups show."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def make_record(message="device %s is %s", args=("aq-1", "offline"), exc_info=None, **extra):
    record = logging.LogRecord("smartcity.test", logging.WARNING, __file__, 10, message, args,
                               exc_info)
    record.__dict__.update(extra)
    return record


def test_json_formatter_emits_one_json_object_per_record(tokyo_time):
    record = make_record(device_id="aq-1", topic="devices/aq-1/telemetry")
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "device aq-1 is offline"
    assert (entry["level"], entry["logger"]) == ("WARNING", "smartcity.test")
    assert (entry["device_id"], entry["topic"]) == ("aq-1", "devices/aq-1/telemetry")
    expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    assert entry["ts"] == f"{expected}.{int(record.msecs):03d}Z"


def test_json_formatter_keeps_the_traceback_inside_the_json(tokyo_time):
    try:
        raise ValueError("bad \"quoted\" value\nsecond line")
    except ValueError:
        record = make_record("failed", (), exc_info=sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert "ValueError" in entry["exc"] and "second line" in entry["exc"]


def test_no_cookie_session_is_kept(app, client, admin_headers):
    with app.test_request_context("/", headers={"Cookie": "session=forged"}):
        assert isinstance(session._get_current_object(), NullSession)  # no cookie was read
    response = client.get("/api/devices", headers=admin_headers)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_a_configured_default_rate_limit_still_applies_to_every_route(make_app):
    client = make_app(RATELIMIT_DEFAULT="2 per minute").test_client()
    assert [client.get("/api/health").status_code for _ in range(3)] == [200, 200, 429]


def test_without_default_limits_unlimited_routes_are_not_counted(make_app):
    client = make_app().test_client()
    assert {client.get("/api/health").status_code for _ in range(30)} == {200}
