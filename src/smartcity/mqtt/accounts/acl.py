"""What each kind of client may do on the broker, as dynamic-security roles (pure data).

The plugin's defaults (set in the initial file) deny publishing and subscribing: a client may
do only what one of its roles allows. Mosquitto 2.0 has no %u/%c substitution in dynsec ACLs,
so each device gets a role of its own; a gateway's client also holds its children's roles.
"""

import base64
import hashlib
import secrets

DEVICE_ROLE_PREFIX = "device:"
PLATFORM_ROLE = "smartcity-platform"
ADMIN_ROLE = "smartcity-dynsec-admin"
SHARE_GROUP = "smartcity"
CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"

# What the platform consumes (also as $share/<group>/... when several workers share the load).
PLATFORM_READS = ("devices/+/telemetry", "devices/+/status", "devices/+/attributes",
                  "devices/+/commands/+/response")
# What the platform sends to devices.
PLATFORM_WRITES = ("devices/+/config", "devices/+/commands/+", "smartcity/errors/+")


def _acl(kind: str, topic: str, allow: bool = True) -> dict:
    return {"acltype": kind, "topic": topic, "allow": allow}


def device_role_name(device_id: str) -> str:
    return DEVICE_ROLE_PREFIX + device_id


def device_role(device_id: str) -> dict:
    """A device publishes readings, status, attributes and command answers under its own id,
    and reads only its configuration, its commands and the errors the platform reports."""
    base = f"devices/{device_id}"
    acls = [_acl("publishClientSend", f"{base}/{leaf}")
            for leaf in ("telemetry", "status", "attributes", "commands/+/response")]
    acls += [_acl("subscribePattern", topic)
             for topic in (f"{base}/config", f"{base}/commands/+", f"smartcity/errors/{device_id}")]
    return {"rolename": device_role_name(device_id), "acls": acls}


def platform_role() -> dict:
    acls = [_acl("subscribePattern", t) for t in PLATFORM_READS]
    acls += [_acl("subscribePattern", f"$share/{SHARE_GROUP}/{t}") for t in PLATFORM_READS]
    acls += [_acl("publishClientSend", t) for t in PLATFORM_WRITES]
    return {"rolename": PLATFORM_ROLE, "acls": acls}


def admin_role() -> dict:
    """Manages the plugin over its control topic; clears a deleted device's retained config."""
    return {"rolename": ADMIN_ROLE,
            "acls": [_acl("publishClientSend", "$CONTROL/dynamic-security/#"),
                     _acl("publishClientReceive", "$CONTROL/dynamic-security/#"),
                     _acl("subscribePattern", "$CONTROL/dynamic-security/#"),
                     _acl("publishClientSend", "devices/+/config")]}


def client_roles(device_id: str, children: list[str]) -> list[dict]:
    """The roles of a device's client: its own, and (a gateway) each child's."""
    return [{"rolename": device_role_name(i)} for i in [device_id, *sorted(children)]]


def hashed_password(password: str, iterations: int = 101) -> dict:
    """The plugin's stored form: PBKDF2-HMAC-SHA512, 12-byte salt, base64 (Mosquitto 2.0)."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return {"password": base64.b64encode(digest).decode(),
            "salt": base64.b64encode(salt).decode(), "iterations": iterations}


def initial_config(admin: tuple[str, str], platform: tuple[str, str],
                   extra_clients: list[dict] = (), extra_roles: list[dict] = ()) -> dict:
    """The plugin's first file: deny by default, the admin client and the platform's client.

    Human-chosen passwords get many PBKDF2 iterations; the plugin keeps a client's count when
    it rewrites the file.
    """
    if admin[0] == platform[0]:  # one account for both jobs
        clients = [{"username": admin[0], "textname": "smartcity platform and broker admin",
                    "roles": [{"rolename": ADMIN_ROLE}, {"rolename": PLATFORM_ROLE}],
                    **hashed_password(admin[1], 100_000)}]
    else:
        clients = [{"username": admin[0], "textname": "smartcity broker admin",
                    "roles": [{"rolename": ADMIN_ROLE}], **hashed_password(admin[1], 100_000)},
                   {"username": platform[0], "textname": "smartcity platform",
                    "roles": [{"rolename": PLATFORM_ROLE}],
                    **hashed_password(platform[1], 100_000)}]
    return {"defaultACLAccess": {"publishClientSend": False, "publishClientReceive": True,
                                 "subscribe": False, "unsubscribe": True},
            "clients": clients + list(extra_clients), "groups": [],
            "roles": [admin_role(), platform_role(), *extra_roles]}
