"""Every /api endpoint is guarded on purpose: the matrix below is what the app must declare.

A new endpoint fails test_declared_roles_match_the_matrix until it is added here, with its role;
a domain's endpoints are listed in its own tests/<domain>/roles.py (ROLES = {endpoint: role}),
so adding a domain edits no shared test.
"""

import contextlib
import importlib
import re

from smartcity import domains
from smartcity.auth.models import ROLES

PUBLIC = {"ops.health", "ops.openapi", "ops.docs", "ops.docs_css", "auth.login", "auth.refresh",
          "auth.end_refresh_session",  # signs out the browser's own cookie, nothing more
          "auth.forgot_password", "auth.reset_password",  # the e-mailed token is the credential
          "custom_dashboards.public_board"}  # a published dashboard: its link is the secret

EXPECTED = {
    # Custom dashboards: any signed-in user builds their own; sharing and ownership are checked
    # per dashboard (tests/custom_dashboards).
    "custom_dashboards.list_boards": "viewer",
    "custom_dashboards.create_board": "viewer",
    "custom_dashboards.get_board": "viewer",
    "custom_dashboards.update_board": "viewer",
    "custom_dashboards.delete_board": "viewer",
    "custom_dashboards.board_data": "viewer",
    "custom_dashboards.export_board": "viewer",
    "custom_dashboards.import_board": "viewer",
    "custom_dashboards.publish_board": "viewer",
    "custom_dashboards.unpublish_board": "viewer",
    "custom_dashboards.get_home": "viewer",
    "custom_dashboards.set_home": "viewer",
    "auth.logout": "viewer",
    "my_notifications.get_preferences": "viewer",
    "my_notifications.put_preferences": "viewer",
    "my_notifications.list_push_subscriptions": "viewer",
    "my_notifications.add_push_subscription": "viewer",
    "my_notifications.delete_push_subscription": "viewer",
    "auth.get_profile": "viewer",
    "auth.update_profile": "viewer",
    "auth.change_password": "viewer",
    "auth.register": "admin",
    "auth.list_sessions": "viewer",
    "auth.end_session": "viewer",
    "users.end_user_sessions": "admin",
    "users.list_users": "admin",
    "users.create_user": "admin",
    "users.get_user": "admin",
    "users.update_user": "admin",
    "users.delete_user": "admin",
    "service_accounts.list_service_accounts": "admin",
    "service_accounts.create_service_account": "admin",
    "service_accounts.get_service_account": "admin",
    "service_accounts.revoke_service_account": "admin",
    "devices.list_devices": "viewer",
    "devices.create_device": "operator",
    "devices.get_device": "viewer",
    "devices.update_device": "operator",
    "devices.delete_device": "admin",
    "devices.rotate_key": "operator",
    "devices.heartbeat": "device",
    "catalogue.get_catalogue": "viewer",
    "telemetry.post_telemetry": "device",
    "telemetry.post_batch": "operator",
    "telemetry.get_history": "viewer",
    "telemetry.get_latest": "viewer",
    "telemetry.get_aggregate": "viewer",
    "telemetry.get_fleet_aggregate": "viewer",
    "telemetry.correct_telemetry": "admin",
    "telemetry.delete_telemetry": "admin",
    "audit.list_audit": "admin",
    "device_control.get_attributes": "viewer",
    "device_control.set_server_attributes": "operator",
    "device_control.set_config": "operator",
    "device_control.command_catalogue": "viewer",
    "device_control.config_catalogue": "viewer",
    "jobs.list_progress": "viewer",
    "jobs.report_progress": "operator",
    "device_control.send_command": "operator",
    "device_control.list_commands": "viewer",
    "device_control.get_command": "viewer",
    "device_control.my_config": "device",
    "device_control.report_my_attributes": "device",
    "device_control.my_pending_commands": "device",
    "device_control.respond_to_command": "device",
    "device_control.my_credentials": "device",
    "device_groups.list_groups": "viewer",
    "device_groups.create_group": "operator",
    "device_groups.get_group": "viewer",
    "device_groups.update_group": "operator",
    "device_groups.delete_group": "operator",
    "device_groups.list_group_devices": "viewer",
    "device_groups.change_members": "operator",
    "device_groups.group_action": "operator",
    "alerts.list_rules": "viewer",
    "alerts.create_rule": "operator",
    "alerts.get_rule": "viewer",
    "alerts.update_rule": "operator",
    "alerts.delete_rule": "operator",
    "alerts.list_alerts": "viewer",
    "alerts.get_alert": "viewer",
    "alerts.ack_alert": "operator",
    "alerts.clear_alert": "operator",
    "alerts.get_summary": "viewer",
    "assets.list_assets": "viewer",
    "assets.get_asset": "viewer",
    "assets.city_geojson": "viewer",
    "notifications.list_log": "admin",
    "notifications.retry_delivery": "admin",
    "dashboard_api.get_overview": "viewer",
    "dashboard_api.get_real_time_data": "viewer",
    "dashboard_api.get_weekly_statistics": "viewer",
    "dashboard_api.get_latest_of_key": "viewer",
}

_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api")]


def declared_roles(app) -> dict:
    return {rule.endpoint: getattr(app.view_functions[rule.endpoint], "required_role", None)
            for rule in api_rules(app)}


def concrete_path(rule) -> str:
    """The rule's path with dummy values for its parameters."""
    return _PARAM.sub(lambda m: "1" if m.group(1) in ("int", "float") else "x", rule.rule)


def guarded_calls(app):
    """(endpoint, method, path, role) for every guarded /api route."""
    for rule in api_rules(app):
        role = declared_roles(app)[rule.endpoint]
        if role is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, concrete_path(rule), role


def call(client, method, path, headers=None):
    return client.open(path, method=method, json={}, headers=headers or {})


def test_every_api_endpoint_is_guarded_or_explicitly_public(app):
    declared = declared_roles(app)
    unguarded = {endpoint for endpoint, role in declared.items() if role is None}
    assert unguarded == PUBLIC
    for endpoint, role in declared.items():
        assert role is None or role in (*ROLES, "device"), endpoint


def domain_roles(app) -> dict[str, str]:
    """The matrices of the app's domains, from tests/<domain>/roles.py."""
    found = {}
    for name in domains.enabled(app):
        # a domain without routes has no matrix; one with routes and none fails below
        with contextlib.suppress(ModuleNotFoundError):
            found.update(importlib.import_module(f"tests.{name}.roles").ROLES)
    return found


def test_declared_roles_match_the_matrix(app):
    expected = {**EXPECTED, **domain_roles(app)}
    declared = {e: r for e, r in declared_roles(app).items() if e not in PUBLIC}
    unlisted = {e: r for e, r in declared.items() if e not in expected}
    assert not unlisted, ("add these endpoints and their roles to EXPECTED or to the domain's "
                          f"tests/<domain>/roles.py: {unlisted}")
    assert declared == expected


def test_public_endpoints_answer_without_a_token(client):
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200
    assert client.get("/api/docs.css").status_code == 200
    # login and refresh answer on their merits (bad input), never "token missing"
    assert client.post("/api/auth/login", json={}).status_code == 400
    assert client.post("/api/auth/refresh", json={}).status_code == 400


def test_every_guarded_endpoint_without_a_token_is_401(app, client):
    calls = list(guarded_calls(app))
    assert calls
    for endpoint, method, path, _role in calls:
        response = call(client, method, path)
        assert response.status_code == 401, (endpoint, method, path, response.get_json())
        assert response.get_json()["error"]["code"] in ("unauthorized", "invalid_api_key")


def test_every_guarded_endpoint_refuses_roles_below_the_required_one(app, client, login):
    tokens = {role: login(role)["access_token"] for role in ROLES[:-1]}
    checked = 0
    for endpoint, method, path, required in guarded_calls(app):
        if required == "device":
            continue
        for role in ROLES[:ROLES.index(required)]:
            response = call(client, method, path, {"Authorization": f"Bearer {tokens[role]}"})
            assert response.status_code == 403, (endpoint, method, role, response.get_json())
            assert response.get_json()["error"]["code"] == "forbidden"
            checked += 1
    assert checked > 0


def test_device_endpoints_refuse_user_tokens(app, client, login):
    token = login("admin")["access_token"]
    for endpoint, method, path, required in guarded_calls(app):
        if required != "device":
            continue
        response = call(client, method, path, {"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (endpoint, method)

