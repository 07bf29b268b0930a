import hashlib

import pytest
from sqlalchemy import select

from smartcity.auth.models import ServiceAccount
from smartcity.extensions import db


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def create_account(client, admin_headers):
    """Create a service account through the API; returns the creation answer with its token."""

    def factory(name="integration", role="viewer", **fields):
        response = client.post("/api/service-accounts", json={"name": name, "role": role, **fields},
                               headers=admin_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return factory


def test_create_returns_the_token_once(client, admin_headers, create_account):
    created = create_account(description="traffic feed")
    assert created["token"].startswith("sa_")
    assert created["token"].startswith(created["token_prefix"] + ".")
    assert created["active"] is True and created["role"] == "viewer"

    listed = client.get("/api/service-accounts", headers=admin_headers).get_json()
    shown = client.get(f"/api/service-accounts/{created['id']}", headers=admin_headers)
    assert [a["id"] for a in listed["items"]] == [created["id"]]
    for body in (listed["items"][0], shown.get_json()):
        assert "token" not in body
        assert created["token"] not in str(body)
        assert body["token_prefix"] == created["token_prefix"]


def test_only_the_sha256_of_the_token_is_stored(app, create_account):
    created = create_account()
    with app.app_context():
        row = db.session.execute(
            select(ServiceAccount.__table__).where(ServiceAccount.id == created["id"])).one()
    assert row.key_hash == hashlib.sha256(created["token"].encode()).hexdigest()
    secret = created["token"].split(".", 1)[1]
    assert all(secret not in str(value) for value in row)


def test_duplicate_name_is_409(client, admin_headers, create_account):
    create_account(name="feed")
    response = client.post("/api/service-accounts", json={"name": "feed"}, headers=admin_headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["field"] == "name"


def test_token_works_as_bearer_with_its_role(client, create_account):
    token = create_account(role="operator")["token"]
    assert client.get("/api/devices", headers=bearer(token)).status_code == 200
    response = client.post("/api/devices", json={"id": "sa-made", "type": "smart_bin"},
                           headers=bearer(token))
    assert response.status_code == 201


def test_viewer_service_account_cannot_create_devices(client, create_account):
    token = create_account(role="viewer")["token"]
    response = client.post("/api/devices", json={"id": "nope", "type": "smart_bin"},
                           headers=bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_operator_service_account_cannot_reach_admin_endpoints(client, create_account):
    token = create_account(role="operator")["token"]
    assert client.get("/api/users", headers=bearer(token)).status_code == 403
    assert client.get("/api/service-accounts", headers=bearer(token)).status_code == 403


def test_admin_service_account_acts_as_admin_and_is_audited(client, create_account,
                                                            admin_headers):
    token = create_account(name="provisioner", role="admin")["token"]
    response = client.post("/api/service-accounts", json={"name": "child"}, headers=bearer(token))
    assert response.status_code == 201
    audit = client.get("/api/audit?action=service_account.created",
                       headers=admin_headers).get_json()["items"]
    newest = audit[0]
    assert (newest["actor_type"], newest["actor_name"]) == ("service_account", "provisioner")


def test_revoke_stops_the_token_at_once(client, admin_headers, create_account):
    created = create_account()
    token = created["token"]
    assert client.get("/api/devices", headers=bearer(token)).status_code == 200
    response = client.delete(f"/api/service-accounts/{created['id']}", headers=admin_headers)
    assert response.status_code == 200
    assert response.get_json()["active"] is False and response.get_json()["revoked_at"]
    after = client.get("/api/devices", headers=bearer(token))
    assert after.status_code == 401
    assert after.get_json()["error"]["code"] == "unauthorized"


def test_revoking_twice_keeps_the_first_revocation_time(client, admin_headers, create_account):
    created = create_account()
    first = client.delete(f"/api/service-accounts/{created['id']}", headers=admin_headers)
    second = client.delete(f"/api/service-accounts/{created['id']}", headers=admin_headers)
    assert second.status_code == 200
    assert second.get_json()["revoked_at"] == first.get_json()["revoked_at"]


def test_token_with_right_prefix_and_wrong_secret_is_401(client, create_account):
    created = create_account()
    forged = created["token_prefix"] + ".not-the-secret"
    assert client.get("/api/devices", headers=bearer(forged)).status_code == 401


def test_use_is_recorded_as_last_used_at(client, admin_headers, create_account):
    created = create_account()
    assert created["last_used_at"] is None
    client.get("/api/devices", headers=bearer(created["token"]))
    shown = client.get(f"/api/service-accounts/{created['id']}", headers=admin_headers)
    assert shown.get_json()["last_used_at"] is not None


@pytest.mark.parametrize("method,path", [("get", "/api/auth/profile"),
                                         ("put", "/api/auth/profile"),
                                         ("post", "/api/auth/change-password"),
                                         ("post", "/api/auth/logout")])
def test_service_accounts_cannot_use_user_only_endpoints(client, create_account, method, path):
    token = create_account(role="admin")["token"]
    response = getattr(client, method)(path, json={}, headers=bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_unknown_service_account_is_404(client, admin_headers):
    response = client.get("/api/service-accounts/999", headers=admin_headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("body,field", [({"name": "x"}, "name"),
                                        ({"name": "valid", "role": "root"}, "role"),
                                        ({"role": "viewer"}, "name")])
def test_invalid_service_account_is_400_naming_the_field(client, admin_headers, body, field):
    response = client.post("/api/service-accounts", json=body, headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field
