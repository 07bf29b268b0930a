"""Custom roles (/api/roles) and their assignment to users, scoped to domains or device groups:
what a holder may do changes with the role at once, with the same token."""

import pytest

from smartcity.auth.models import User
from smartcity.extensions import db

WASTE_OPERATOR = {"name": "waste-operator", "description": "runs the waste service",
                  "permissions": ["devices:write", "device_control:write", "waste:write"]}


@pytest.fixture
def create_role(client, admin_headers):
    def create(body):
        response = client.post("/api/roles", json=body, headers=admin_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create


@pytest.fixture
def holder(client, make_user, admin_headers):
    """holder(assignments) -> (user id, headers) of a viewer given those custom roles."""

    def make(assignments):
        user, password = make_user("viewer")
        response = client.put(f"/api/users/{user['id']}/roles", json={"assignments": assignments},
                              headers=admin_headers)
        assert response.status_code == 200, response.get_json()
        token = client.post("/api/auth/login", json={"username": user["username"],
                                                     "password": password}).get_json()
        return user["id"], {"Authorization": f"Bearer {token['access_token']}"}

    return make


def test_roles_list_the_built_in_ones_and_the_custom_ones(client, admin_headers, create_role):
    role = create_role(WASTE_OPERATOR)
    assert role["permissions"] == sorted(WASTE_OPERATOR["permissions"])
    assert role["builtin"] is False and role["users"] == 0
    items = client.get("/api/roles", headers=admin_headers).get_json()["items"]
    assert [r["name"] for r in items] == ["viewer", "operator", "admin", "waste-operator"]
    builtin = {r["name"]: r for r in items if r["builtin"]}
    assert builtin["viewer"]["permissions"] == ["*:read"]
    assert builtin["operator"]["permissions"] == ["*:read", "*:write"]
    assert builtin["admin"]["permissions"] == ["*:*"]
    assert builtin["admin"]["users"] == 1  # the caller
    assert client.get(f"/api/roles/{role['id']}", headers=admin_headers).get_json() == role


def test_permission_catalogue_names_every_guarded_resource(client, admin_headers):
    body = client.get("/api/roles/permissions", headers=admin_headers).get_json()
    assert body["actions"] == ["read", "write", "manage"]
    by_permission = {item["permission"]: item for item in body["items"]}
    assert "POST /api/devices/<device_id>/commands" in by_permission[
        "device_control:write"]["endpoints"]
    assert "DELETE /api/users/<int:user_id>" in by_permission["users:manage"]["endpoints"]
    assert "waste:write" in by_permission
    assert "roles:manage" in by_permission


@pytest.mark.parametrize(("body", "field"), [
    ({**WASTE_OPERATOR, "permissions": ["devices:fly"]}, "permissions"),
    ({**WASTE_OPERATOR, "permissions": ["nowhere:read"]}, "permissions"),
    ({**WASTE_OPERATOR, "permissions": ["devices"]}, "permissions"),
    ({**WASTE_OPERATOR, "permissions": []}, "permissions"),
    ({**WASTE_OPERATOR, "name": "operator"}, "name"),
    ({**WASTE_OPERATOR, "name": "Has Spaces"}, "name"),
    ({"name": "x1"}, "permissions"),
])
def test_bad_roles_are_400_with_the_field(client, admin_headers, body, field):
    response = client.post("/api/roles", json=body, headers=admin_headers)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["details"]["field"] == field


def test_role_names_are_unique_and_ids_out_of_range_are_404(client, admin_headers, create_role):
    create_role(WASTE_OPERATOR)
    again = client.post("/api/roles", json=WASTE_OPERATOR, headers=admin_headers)
    assert again.status_code == 409
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)("/api/roles/999999", json={}, headers=admin_headers)
        assert response.status_code == 404


def test_assignments_are_validated(client, admin_headers, make_user, create_role):
    role = create_role(WASTE_OPERATOR)
    user, _ = make_user("viewer")
    url = f"/api/users/{user['id']}/roles"
    for assignments in ([{"role_id": 999999}], [{"role_id": role["id"], "domains": []}],
                        [{"role_id": role["id"], "domains": ["atlantis"]}],
                        [{"role_id": role["id"], "device_groups": [999999]}],
                        [{"role_id": role["id"]}, {"role_id": role["id"]}],
                        [{"role_id": "1"}]):
        response = client.put(url, json={"assignments": assignments}, headers=admin_headers)
        assert response.status_code == 400, (assignments, response.get_json())
    assert client.put("/api/users/999999/roles", json={"assignments": []},
                      headers=admin_headers).status_code == 404
    body = client.get(url, headers=admin_headers).get_json()
    assert body == {"user_id": user["id"], "role": "viewer", "assignments": []}


def test_an_unscoped_custom_role_opens_its_resources_and_follows_its_changes(
        app, client, admin_headers, create_role, holder):
    role = create_role({"name": "rule-keeper", "permissions": ["alerts:write"]})
    user_id, headers = holder([{"role_id": role["id"]}])
    # alerts:write lets the viewer through the operator guard (the empty body is then a 400)
    assert client.post("/api/alert-rules", json={}, headers=headers).status_code == 400
    assert client.post("/api/devices", json={}, headers=headers).status_code == 403
    assert client.get("/api/users", headers=headers).status_code == 403

    client.patch(f"/api/roles/{role['id']}", json={"permissions": ["devices:write"]},
                 headers=admin_headers)
    assert client.post("/api/alert-rules", json={}, headers=headers).status_code == 403
    assert client.post("/api/devices", json={}, headers=headers).status_code == 400
    assert client.get(f"/api/roles/{role['id']}", headers=admin_headers).get_json()["users"] == 1

    assert client.delete(f"/api/roles/{role['id']}", headers=admin_headers).status_code == 204
    assert client.post("/api/devices", json={}, headers=headers).status_code == 403
    with app.app_context():
        assert db.session.get(User, user_id).grants is None


def test_a_built_in_role_is_no_custom_role(client, admin_headers):
    response = client.post("/api/roles", json={"name": "admin", "permissions": ["*:*"]},
                           headers=admin_headers)
    assert response.status_code == 400


def test_deleting_a_device_group_takes_it_out_of_every_scope(app, client, admin_headers,
                                                             create_role, holder):
    role = create_role(WASTE_OPERATOR)
    other = create_role({"name": "group-keeper", "permissions": ["devices:write"]})
    first, second = (client.post("/api/device-groups", json={"name": name},
                                 headers=admin_headers).get_json()["id"] for name in ("a", "b"))
    user_id, _ = holder([{"role_id": role["id"], "domains": ["waste"], "device_groups": [first]},
                         {"role_id": other["id"], "device_groups": [first, second]}])
    user_id2, _ = holder([{"role_id": other["id"], "device_groups": [first]}])
    assert client.delete(f"/api/device-groups/{first}", headers=admin_headers).status_code == 204
    roles = client.get(f"/api/users/{user_id}/roles", headers=admin_headers).get_json()
    assert [(a["role"], a["domains"], a["device_groups"]) for a in roles["assignments"]] == [
        ("group-keeper", None, [second]), ("waste-operator", ["waste"], None)]
    # scoped to that group alone: the assignment goes (it never becomes unscoped)
    assert client.get(f"/api/users/{user_id2}/roles",
                      headers=admin_headers).get_json()["assignments"] == []
    with app.app_context():
        assert db.session.get(User, user_id2).grants is None
        assert [g["device_groups"] for g in db.session.get(User, user_id).grants] == [
            [second], None]


def test_a_custom_role_costs_the_guard_no_extra_query(app, client, headers, create_role,
                                                      holder, make_device):
    """The guard reads the compiled grants in the query it makes anyway (users.grants)."""
    from sqlalchemy import event

    make_device("bin-1", type="smart_bin")
    role = create_role(WASTE_OPERATOR)
    _, scoped = holder([{"role_id": role["id"], "domains": ["waste"]}])
    _, unscoped = holder([{"role_id": role["id"]}])
    operator = headers("operator")

    def statements(method, path, who, body=None) -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            response = client.open(path, method=method, json=body, headers=who)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert response.status_code < 300, response.get_json()
        return len(seen)

    for method, path, body in (("GET", "/api/devices/bin-1", None),
                               ("PUT", "/api/devices/bin-1/config", {"interval_s": 60})):
        statements(method, path, operator, body)  # caches warm
        baseline = statements(method, path, operator, body)
        assert statements(method, path, unscoped, body) == baseline, path
        assert statements(method, path, scoped, body) == baseline, path  # by domain: no query
