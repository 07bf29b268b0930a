"""docker-compose.yml, checked by Compose itself (`docker compose config`, or Debian's
docker-compose 1.29 that `make test` installs where Docker's plugin is missing: it parses,
validates against the Compose schema and interpolates without an engine) and for structure.
These tests need no service and never start the stack."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from smartcity.config import Config

ROOT = Path(__file__).resolve().parents[2]
# Read by something other than the app's settings: gunicorn itself, and the images' own entrypoints.
OTHER_READERS = {"app": {"FORWARDED_ALLOW_IPS", "WEB_CONCURRENCY", "SMARTCITY_ENV",
                         "CORS_ORIGINS"},
                 "postgres": {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
BUILT = {"app", "ingest-worker", "mqtt-bootstrap"}  # from the Dockerfile


SECRETS = {"SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40,
           "MQTT_PLATFORM_PASSWORD": "platform-pw", "MQTT_ADMIN_PASSWORD": "admin-pw"}


def _compose_command(services) -> list[str]:
    docker = shutil.which("docker")
    plugin = docker and subprocess.run([docker, "compose", "version"], capture_output=True)
    if plugin and plugin.returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        return [legacy]
    if services["CI"]:
        pytest.fail("CI=true requires docker compose or docker-compose; `make test` installs "
                    "Debian's docker-compose", pytrace=False)
    pytest.skip("neither docker compose nor docker-compose is installed")


def _config(services, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "POSTGRES_PASSWORD"}
    return subprocess.run([*_compose_command(services), "-f", str(ROOT / "docker-compose.yml"),
                           "--project-directory", str(ROOT), "config"],
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_compose_validates_the_file_and_resolves_the_secrets(services):
    result = _config(services, SECRETS)
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    app = rendered["services"]["app"]
    assert app["deploy"]["replicas"] == 2  # two app processes behind nginx
    assert app["environment"]["SECRET_KEY"] == "s" * 40
    assert app["environment"]["MQTT_URL"] == "mqtt://platform:platform-pw@mosquitto:1883"
    assert app["environment"]["DATABASE_URL"].startswith(
        "postgresql+psycopg://smartcity:smartcity@postgres:5432/")  # the documented default


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_a_required_secret(services, missing):
    result = _config(services, {k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _healthy(compose: dict, name: str) -> bool:
    service = compose["services"][name]
    check = service.get("healthcheck")
    if check is not None:
        return not check.get("disable") and check["test"][0] in ("CMD", "CMD-SHELL")
    if service.get("build"):
        return "\nHEALTHCHECK " in (ROOT / "Dockerfile").read_text()
    return False


def test_the_stack_has_every_service_of_the_deployment(compose):
    assert set(compose["services"]) == {"nginx", "app", "ingest-worker", "mqtt-bootstrap",
                                        "postgres", "redis", "mosquitto"}
    assert {name for name, s in compose["services"].items() if s.get("build")} == BUILT
    assert compose["services"]["ingest-worker"]["entrypoint"][-1] == "ingest-worker"


def test_every_dependency_exists_and_waits_on_a_check_it_can_see(compose):
    services = compose["services"]
    for name, service in services.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            assert rule["condition"] in CONDITIONS, (name, target)
            if rule["condition"] == "service_healthy":
                assert _healthy(compose, target), f"{name} waits for {target}'s missing check"
            if rule["condition"] == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} must run once"


def test_dependencies_have_no_cycle(compose):
    services = compose["services"]
    done: set[str] = set()

    def visit(name, path):
        assert name not in path, f"cycle: {' -> '.join([*path, name])}"
        if name not in done:
            for target in services[name].get("depends_on", {}):
                visit(target, [*path, name])
            done.add(name)

    for name in services:
        visit(name, [])


def test_long_running_services_have_health_checks(compose):
    for name in ("app", "postgres", "redis", "mosquitto"):
        assert _healthy(compose, name), name
    for name, service in compose["services"].items():
        check = service.get("healthcheck", {})
        if check and not check.get("disable"):
            assert {"interval", "timeout", "retries"} <= set(check), name


def test_app_environment_names_are_settings_the_app_reads(compose):
    known = set(Config.ENV_KEYS) | OTHER_READERS["app"]
    for name in BUILT:
        environment = compose["services"][name]["environment"]
        unknown = set(environment) - known
        assert not unknown, f"{name} sets {sorted(unknown)}, which nothing reads"
    assert set(compose["services"]["postgres"]["environment"]) <= OTHER_READERS["postgres"]
    app = compose["services"]["app"]["environment"]
    assert app["SMARTCITY_ENV"] == "production" and app["MQTT_INGEST"] == "false"
    assert compose["services"]["ingest-worker"]["environment"].get("MQTT_INGEST") != "false"


def test_required_secrets_fail_loudly_and_are_documented(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    assert {"SECRET_KEY", "JWT_SECRET_KEY", "MQTT_PLATFORM_PASSWORD",
            "MQTT_ADMIN_PASSWORD"} <= required
    header = text.split("\n\n", 1)[0]
    for name in required:
        assert name in header, f"{name} is required but the header does not say so"


def test_mounted_files_and_named_volumes_exist(compose):
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"
    assert compose["services"]["nginx"]["ports"] == ["80:80"]
    assert "ports" not in compose["services"]["app"]  # only nginx reaches it
