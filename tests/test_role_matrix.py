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
    "users.get_user_roles": "admin",
    "users.set_user_roles": "admin",
    "roles.list_roles": "admin",
    "roles.list_permissions": "admin",
    "roles.create_role": "admin",
    "roles.get_role": "admin",
    "roles.update_role": "admin",
    "roles.delete_role": "admin",
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



# A custom role scoped to a domain: a viewer given "*:write" on the waste domain only (NIST RBAC,
# auth/permissions.py). It reaches the waste domain's operator routes and, device by device,
# the device routes; every other operator route and every admin route stays closed.

WASTE = {"name": "waste-operator", "permissions": ["*:write"]}


def scoped_headers(client, make_user, admin_headers, permissions, **scope):
    role = client.post("/api/roles", json={"name": f"r{len(scope)}-{make_user('viewer')[0]['id']}",
                                           "permissions": permissions}, headers=admin_headers)
    assert role.status_code == 201, role.get_json()
    user, password = make_user("viewer")
    assigned = client.put(f"/api/users/{user['id']}/roles", headers=admin_headers, json={
        "assignments": [{"role_id": role.get_json()["id"], **scope}]})
    assert assigned.status_code == 200, assigned.get_json()
    token = client.post("/api/auth/login", json={"username": user["username"],
                                                 "password": password}).get_json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_a_domain_scoped_role_opens_its_domain_and_no_other_route(app, client, make_user,
                                                                  admin_headers):
    from smartcity.auth.permissions import OBJECT_SCOPED

    headers = scoped_headers(client, make_user, admin_headers, ["*:write"], domains=["waste"])
    opened = refused = 0
    for endpoint, method, path, required in guarded_calls(app):
        if required not in ("operator", "admin"):
            continue
        resource = endpoint.split(".", 1)[0]
        response = call(client, method, path, headers)
        message = (response.get_json() or {}).get("error", {}).get("message")
        if required == "operator" and resource == "waste":
            assert response.status_code not in (401, 403), (endpoint, method, response.get_json())
            opened += 1
        elif required == "operator" and resource in OBJECT_SCOPED:
            assert message != "requires role operator", (endpoint, method)  # checked per device
        else:
            assert response.status_code == 403, (endpoint, method, response.get_json())
            assert message == f"requires role {required}"
            refused += 1
    assert opened >= 4 and refused > 30


def test_a_scoped_role_commands_and_configures_the_devices_in_its_scope_only(
        client, make_user, make_device, admin_headers):
    make_device("bin-1", type="smart_bin")
    make_device("sig-1", type="traffic_signal")
    make_device("sig-2", type="traffic_signal")
    group = client.post("/api/device-groups", json={"name": "corso", "device_ids": ["sig-1"]},
                        headers=admin_headers).get_json()
    waste = scoped_headers(client, make_user, admin_headers, ["*:write"], domains=["waste"])
    corso = scoped_headers(client, make_user, admin_headers, ["devices:write",
                                                              "device_control:write"],
                           device_groups=[group["id"]])
    reset = {"name": "reset_fill_level", "params": {}}

    assert client.post("/api/devices/bin-1/commands", json=reset, headers=waste).status_code == 201
    for method, path, body in (("post", "/api/devices/sig-1/commands", reset),
                               ("put", "/api/devices/sig-1/config", {"cycle_s": 90}),
                               ("put", "/api/devices/sig-1/attributes/server", {"x": 1}),
                               ("patch", "/api/devices/sig-1", {"name": "renamed"}),
                               ("post", "/api/devices/sig-1/rotate-key", {})):
        response = getattr(client, method)(path, json=body, headers=waste)
        assert response.status_code == 403, (path, response.get_json())
        assert response.get_json()["error"]["message"] == \
            "device sig-1 is outside the scope of your role"
    # A new device of another domain is refused and never stored.
    created = client.post("/api/devices", json={"id": "cnt-9", "type": "traffic_counter"},
                          headers=waste)
    assert created.status_code == 403
    assert client.get("/api/devices/cnt-9", headers=admin_headers).status_code == 404
    assert client.post("/api/devices", json={"id": "bin-9", "type": "smart_bin"},
                       headers=waste).status_code == 201

    # The group-scoped role reaches its group's devices, not the others.
    renamed = client.patch("/api/devices/sig-1", json={"name": "Corso 1"}, headers=corso)
    assert renamed.status_code == 200, renamed.get_json()
    assert client.patch("/api/devices/sig-2", json={"name": "x"}, headers=corso).status_code == 403
    assert client.patch("/api/devices/bin-1", json={"name": "x"}, headers=corso).status_code == 403
    # ...and cannot widen its scope by changing the group.
    response = client.post(f"/api/device-groups/{group['id']}/members", json={"add": ["sig-2"]},
                           headers=corso)
    assert response.status_code == 403

    # A group action by the waste operator acts on the group's waste devices only.
    mixed = client.post("/api/device-groups", json={"name": "mixed",
                                                    "device_ids": ["bin-1", "sig-2"]},
                        headers=admin_headers).get_json()
    results = client.post(f"/api/device-groups/{mixed['id']}/actions",
                          json={"action": "command", "command": reset},
                          headers=waste).get_json()["results"]
    assert {r["device_id"]: r["ok"] for r in results} == {"bin-1": True, "sig-2": False}
    assert [r["error"]["code"] for r in results if not r["ok"]] == ["forbidden"]
