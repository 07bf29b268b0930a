"""The dynamic-security plugin's first file: deny by default, the platform's admin and consumer
clients, and the devices whose keys the platform still knows (the demo city's key file).

Devices registered before the broker required logins have only a key hash in the registry: they
get a broker client once their key is rotated (README, "MQTT device accounts").
"""

import os
from pathlib import Path

import orjson
from sqlalchemy import select

from smartcity.devices.models import Device
from smartcity.extensions import db
from smartcity.mqtt.accounts import acl
from smartcity.mqtt.settings import parse_mqtt_url
from smartcity.security import keys as api_keys


class BootstrapError(Exception):
    pass


def known_device_clients(device_keys: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """Clients and roles for registered devices whose API key is known and still valid."""
    devices = {d.id: d for d in db.session.scalars(select(Device))}
    children: dict[str, list[str]] = {}
    for device in devices.values():
        if device.gateway_id:
            children.setdefault(device.gateway_id, []).append(device.id)
    clients, roles = [], [acl.device_role(i) for i in sorted(devices)]
    for device_id, key in sorted(device_keys.items()):
        device = devices.get(device_id)
        if device is None or not api_keys.matches(key, device.key_hash):
            continue
        clients.append({"username": device_id, "clientid": device_id,
                        "disabled": device.status != "active",
                        "roles": acl.client_roles(device_id, children.get(device_id, [])),
                        **acl.hashed_password(key)})
    return clients, roles


def platform_username(config) -> str | None:
    return parse_mqtt_url(config["MQTT_URL"]).username if config.get("MQTT_URL") else None


def build(config, device_keys: dict[str, str]) -> dict:
    admin_user, admin_password = config.get("MQTT_ADMIN_USERNAME"), config.get(
        "MQTT_ADMIN_PASSWORD")
    if not config.get("MQTT_URL"):
        raise BootstrapError("MQTT_URL is not set")
    broker = parse_mqtt_url(config["MQTT_URL"])
    if not (admin_user and admin_password):
        raise BootstrapError("set MQTT_ADMIN_USERNAME and MQTT_ADMIN_PASSWORD")
    if not (broker.username and broker.password):
        raise BootstrapError("MQTT_URL must carry the platform's login: mqtt://user:pass@host")
    clients, roles = known_device_clients(device_keys)
    return acl.initial_config((admin_user, admin_password), (broker.username, broker.password),
                              clients, roles)


def write(path: Path, document: dict, force: bool = False, owner: str | None = None) -> None:
    """Write the file for the broker to read (and rewrite on every change it applies)."""
    path = Path(path)
    if path.exists() and not force:
        raise BootstrapError(f"{path} exists: the broker owns it now (use --force to replace)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    os.chmod(path, 0o600)  # password hashes: the broker's user reads and rewrites it, nobody else
    if owner:
        uid, _, gid = owner.partition(":")
        os.chown(path, int(uid), int(gid or uid))
