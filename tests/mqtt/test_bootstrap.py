"""`run.py mqtt-bootstrap` writes a plugin file Mosquitto starts with: deny by default, the
platform's admin and consumer logins, and the devices whose keys are known."""

import os
import subprocess

import orjson
import pytest

from smartcity.mqtt.accounts import bootstrap
from tests.broker import ROOT, Session, broker_config, free_port, mosquitto_binary, wait_port

ADMIN = ("boot-admin", "boot-admin-password-0123")
PLATFORM = ("boot-platform", "boot-platform-password-0123")


@pytest.fixture
def settings():
    return {"MQTT_ADMIN_USERNAME": ADMIN[0], "MQTT_ADMIN_PASSWORD": ADMIN[1],
            "MQTT_URL": f"mqtt://{PLATFORM[0]}:{PLATFORM[1]}@127.0.0.1:1"}


def test_bootstrap_refuses_without_logins_and_never_overwrites(app, tmp_path):
    with pytest.raises(bootstrap.BootstrapError, match="MQTT_ADMIN"):
        bootstrap.build({"MQTT_URL": "mqtt://p:q@h:1"}, {})
    with pytest.raises(bootstrap.BootstrapError, match="login"):
        bootstrap.build({"MQTT_URL": "mqtt://h:1", "MQTT_ADMIN_USERNAME": "a",
                         "MQTT_ADMIN_PASSWORD": "b"}, {})
    path = tmp_path / "dynsec.json"
    path.write_text("{}")
    with pytest.raises(bootstrap.BootstrapError, match="exists"):
        bootstrap.write(path, {})


def test_the_cli_writes_a_file_the_broker_starts_with(make_app, make_device, settings, tmp_path,
                                                      services, database_url):
    key = make_device("known-1")["api_key"]
    make_device("unknown-1")
    keys = tmp_path / "keys.json"
    keys.write_bytes(orjson.dumps({"devices": {"known-1": key, "unknown-1": "wrong.key"}}))
    security = tmp_path / "broker" / "dynamic-security.json"
    env = {**os.environ, "DATABASE_URL": database_url, **settings,
           "SECRET_KEY": "x" * 40, "JWT_SECRET_KEY": "y" * 40}
    done = subprocess.run([str(ROOT / ".venv/bin/python"), "run.py", "mqtt-bootstrap",
                           "--file", str(security), "--keys", str(keys)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "1 device accounts" in done.stdout
    assert oct(security.stat().st_mode & 0o777) == "0o600"

    port = free_port()
    conf = broker_config(security.parent, port)  # keeps the file it finds
    proc = subprocess.Popen([mosquitto_binary(services), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        sessions = [Session(port, login, client_id) for login, client_id in [
            (ADMIN, None), (PLATFORM, None), (("known-1", key), "known-1"),
            (("unknown-1", "wrong.key"), "unknown-1"), (None, None)]]
        assert [s.accepted for s in sessions] == [True, True, True, False, False]
        admin, platform, device = sessions[:3]
        assert platform.subscribe("devices/+/telemetry") == 1
        assert platform.subscribe("#") == 135
        assert device.publish("devices/known-1/telemetry") in (0, 16)
        assert device.publish("devices/unknown-1/telemetry") == 135
        assert admin.publish("devices/known-1/telemetry") == 135
        for session in sessions:
            session.close()
    finally:
        proc.terminate()
        proc.wait(10)
