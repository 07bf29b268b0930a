"""Attributes, desired configuration and commands of one device; the device's own "me" API."""

from flask import Blueprint, current_app, g, request
from sqlalchemy import select

from smartcity.auth.guard import require_role
from smartcity.devices import attributes, commands, service
from smartcity.devices.commands_catalogue import describe
from smartcity.devices.config_catalogue import describe as config_catalogue_of
from smartcity.devices.control_models import Command, DeviceAttributes
from smartcity.devices.control_schemas import command_response_schema, command_schema
from smartcity.devices.scope import check_device
from smartcity.errors import bad_request
from smartcity.extensions import db, limiter
from smartcity.http import json_body
from smartcity.mqtt.settings import parse_mqtt_url
from smartcity.pagination import page_response, paginate

bp = Blueprint("device_control", __name__, url_prefix="/api/devices")


def _attribute_patch() -> dict:
    body = json_body()
    if len(request.get_data()) > attributes.MAX_ATTRIBUTES_BYTES:
        raise bad_request("attributes too large", "body")
    for key in body:
        if not isinstance(key, str) or not 1 <= len(key) <= 64:
            raise bad_request("attribute names must be 1-64 characters", str(key)[:64])
    return body


@bp.get("/<device_id>/attributes")
@require_role("viewer")
def get_attributes(device_id):
    """Show server attributes, desired vs reported configuration, and whether they agree."""
    service.get_device(device_id)
    return attributes.get(device_id)


@bp.put("/<device_id>/attributes/server")
@require_role("operator")
def set_server_attributes(device_id):
    """Merge server attributes (kept on the platform, never sent to the device)."""
    check_device(service.get_device(device_id))
    return attributes.set_server(device_id, _attribute_patch())


@bp.put("/<device_id>/config")
@require_role("operator")
def set_config(device_id):
    """Merge the desired configuration (null removes a key); sent retained to the device."""
    check_device(service.get_device(device_id))
    return attributes.set_desired(device_id, _attribute_patch())


@bp.get("/<device_id>/config/catalogue")
@require_role("viewer")
def config_catalogue(device_id):
    """List the settings this device's type takes as desired configuration."""
    return {"items": config_catalogue_of(service.get_device(device_id).type)}


@bp.get("/<device_id>/commands/catalogue")
@require_role("viewer")
def command_catalogue(device_id):
    """List the commands this device's type accepts."""
    return {"items": describe(service.get_device(device_id).type)}


def _command_rate():
    return current_app.config["COMMAND_RATE_LIMIT"]


@bp.post("/<device_id>/commands")
@require_role("operator")
@limiter.limit(_command_rate, key_func=lambda: f"command:{request.view_args['device_id']}")
def send_command(device_id):
    """Send a command {name, params, timeout_s}; it waits for an offline device or expires."""
    device = service.get_device(device_id)
    check_device(device)
    data = command_schema.load(json_body())
    command = commands.create(device, data["name"], data["params"], data["timeout_s"],
                              g.principal.name)
    return commands.to_dict(command), 201


@bp.get("/<device_id>/commands")
@require_role("viewer")
def list_commands(device_id):
    """List a device's commands, newest first (filter: status)."""
    service.get_device(device_id)
    stmt = select(Command).where(Command.device_id == device_id)
    if request.args.get("status"):
        stmt = stmt.where(Command.status == request.args["status"])
    rows, cursor = paginate(db.session, stmt, [Command.created_ms, Command.id], descending=True)
    return page_response([commands.to_dict(c) for c in rows], cursor)


@bp.get("/<device_id>/commands/<command_id>")
@require_role("viewer")
def get_command(device_id, command_id):
    """Show one command and its lifecycle timestamps."""
    return commands.to_dict(commands.get(device_id, command_id))


# -- the device's own API (X-API-Key) ----------------------------------------------------------
@bp.get("/me/config")
@service.require_device
def my_config():
    """Return the calling device's desired configuration and its version."""
    return attributes.config_document(db.session.get(DeviceAttributes, g.device.id))


@bp.put("/me/attributes")
@service.require_device
def report_my_attributes():
    """Merge what the calling device reports about itself."""
    return attributes.report(g.device.id, _attribute_patch())


@bp.get("/me/commands")
@service.require_device
def my_pending_commands():
    """Fetch the calling device's open commands (fetching marks them delivered)."""
    return {"items": [commands.to_dict(c) for c in commands.pending_for_device(g.device.id)]}


@bp.post("/me/commands/<command_id>/response")
@service.require_device
def respond_to_command(command_id):
    """Report a command's outcome {status: delivered|succeeded|failed, result, error}."""
    data = command_response_schema.load(json_body())
    return commands.to_dict(commands.respond(g.device.id, command_id, data))


@bp.get("/me/credentials")
@service.require_device
def my_credentials():
    """Return what the calling device needs to connect: broker, topics, HTTP endpoints."""
    device_id = g.device.id
    base = f"devices/{device_id}"
    mqtt = None
    url = current_app.config.get("MQTT_URL")
    if url:
        broker = parse_mqtt_url(url)
        mqtt = {"host": current_app.config.get("MQTT_PUBLIC_HOST") or broker.host,
                "port": broker.port, "tls": broker.tls, "client_id": device_id,
                # The password is the device's API key (the one this request carries).
                "username": device_id, "password": "<your API key>",
                "protocol": "MQTT 5 or 3.1.1",
                "topics": {"telemetry": f"{base}/telemetry", "status": f"{base}/status",
                           "config": f"{base}/config", "attributes": f"{base}/attributes",
                           "commands": f"{base}/commands/+",
                           "command_response": f"{base}/commands/<command_id>/response",
                           "errors": f"smartcity/errors/{device_id}"},
                "last_will": {"topic": f"{base}/status", "payload": "offline", "qos": 1}}
    return {"device_id": device_id, "type": g.device.type, "mqtt": mqtt,
            "http": {"telemetry": "/api/telemetry", "heartbeat": "/api/devices/heartbeat",
                     "config": "/api/devices/me/config",
                     "attributes": "/api/devices/me/attributes",
                     "commands": "/api/devices/me/commands"},
            "auth": {"header": "X-API-Key", "key_prefix": g.device.key_prefix}}
