"""Seeding the demo city through the device service: idempotent, keys that work, kept 0600."""

import stat

from sqlalchemy import func, select

from smartcity.assets.models import Asset
from smartcity.auth.models import ServiceAccount
from smartcity.devices.models import Device
from smartcity.extensions import db
from smartcity.simulator.city import generate_city
from smartcity.simulator.keyfile import read_keys
from smartcity.simulator.seed import seed_city


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Asset.id))),
                db.session.scalar(select(func.count(Device.id))))


def seed(app, path):
    with app.app_context():
        result = seed_city(path)
        db.session.remove()
        return result


def test_seeding_stores_assets_and_devices_linked_to_them_and_keys_that_work(
        app, client, tmp_path):
    path = tmp_path / "demo-keys.json"
    summary = seed(app, path)
    city = generate_city(42)
    assert counts(app) == (len(city.assets), len(city.devices))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_keys(path) == summary and len(summary["devices"]) == len(city.devices)
    with app.app_context():
        assets = set(db.session.scalars(select(Asset.id)))
        for device in db.session.scalars(select(Device)):
            assert device.asset_id in assets and device.location["lat"] > 44
    reading = client.post("/api/telemetry", json={"values": {"pm25": 9.5}},
                          headers={"X-API-Key": summary["devices"]["aq-1"]})
    assert reading.status_code == 201
    token = summary["service_account"]["token"]
    batch = client.post("/api/telemetry/batch", headers={"Authorization": f"Bearer {token}"},
                        json=[{"device_id": "bin-1", "values": {"fill_level": 40}}])
    assert batch.status_code == 201


def test_seeding_twice_changes_nothing(app, tmp_path):
    path = tmp_path / "demo-keys.json"
    first = seed(app, path)
    assert seed(app, path) is None
    assert read_keys(path) == first
    assert counts(app) == (len(generate_city(42).assets), len(first["devices"]))


def test_a_lost_keys_file_gets_new_keys_and_the_old_ones_stop_working(app, client, tmp_path):
    path = tmp_path / "demo-keys.json"
    old = seed(app, path)
    path.unlink()
    new = seed(app, path)
    assert new["devices"].keys() == old["devices"].keys()
    assert client.post("/api/devices/heartbeat",
                       headers={"X-API-Key": old["devices"]["wx-1"]}).status_code == 401
    assert client.post("/api/devices/heartbeat",
                       headers={"X-API-Key": new["devices"]["wx-1"]}).status_code == 200
    with app.app_context():
        active = db.session.scalars(select(ServiceAccount.name).where(
            ServiceAccount.revoked_at.is_(None))).all()
    assert active == [new["service_account"]["name"]]


def test_a_database_with_devices_of_its_own_is_left_alone(app, make_device, tmp_path):
    make_device("my-own-sensor")
    assert seed(app, tmp_path / "demo-keys.json") is None
    assert counts(app) == (0, 1)
    assert not (tmp_path / "demo-keys.json").exists()
