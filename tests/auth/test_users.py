import pytest


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_admin_creates_reads_updates_and_deletes_a_user(client, admin_headers):
    created = client.post("/api/users", json={"username": "dora", "password": "a-good-password",
                                              "email": "dora@city.test", "full_name": "Dora"},
                          headers=admin_headers)
    assert created.status_code == 201
    user = created.get_json()
    assert (user["username"], user["role"], user["is_active"]) == ("dora", "viewer", True)
    assert "password" not in user and "password_hash" not in user

    shown = client.get(f"/api/users/{user['id']}", headers=admin_headers)
    assert shown.status_code == 200 and shown.get_json()["email"] == "dora@city.test"

    updated = client.patch(f"/api/users/{user['id']}",
                           json={"role": "operator", "full_name": "Dora E."},
                           headers=admin_headers)
    assert updated.status_code == 200
    assert (updated.get_json()["role"], updated.get_json()["full_name"]) == ("operator", "Dora E.")

    deleted = client.delete(f"/api/users/{user['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    missing = client.get(f"/api/users/{user['id']}", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_admin_sets_a_password_that_then_works(client, admin_headers, make_user):
    user, _ = make_user()
    response = client.patch(f"/api/users/{user['id']}", json={"password": "reset-by-admin"},
                            headers=admin_headers)
    assert response.status_code == 200
    login = client.post("/api/auth/login",
                        json={"username": user["username"], "password": "reset-by-admin"})
    assert login.status_code == 200


def test_role_change_applies_to_the_users_existing_token(client, login, admin_headers):
    session = login("operator")
    auth = bearer(session["access_token"])
    assert client.post("/api/devices", json={"id": "before", "type": "gateway"},
                       headers=auth).status_code == 201
    client.patch(f"/api/users/{session['user']['id']}", json={"role": "viewer"},
                 headers=admin_headers)
    response = client.post("/api/devices", json={"id": "after", "type": "gateway"}, headers=auth)
    assert response.status_code == 403


def test_deleted_users_token_stops_working(client, login, admin_headers):
    session = login()
    client.delete(f"/api/users/{session['user']['id']}", headers=admin_headers)
    response = client.get("/api/auth/profile", headers=bearer(session["access_token"]))
    assert response.status_code == 401


def test_deleting_a_user_keeps_the_service_accounts_they_created(client, headers, admin_headers):
    creator = headers("admin")
    created = client.post("/api/service-accounts", json={"name": "kept"}, headers=creator)
    creator_id = client.get("/api/auth/profile", headers=creator).get_json()["id"]
    assert client.delete(f"/api/users/{creator_id}", headers=admin_headers).status_code == 204
    token = created.get_json()["token"]
    assert client.get("/api/devices", headers=bearer(token)).status_code == 200


def test_list_paginates_with_limit_and_cursor(client, admin_headers, make_user):
    ids = {make_user()[0]["id"] for _ in range(4)}
    seen, cursor, pages = [], None, 0
    while True:
        query = "/api/users?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(query, headers=admin_headers).get_json()
        assert len(body["items"]) <= 2
        seen += [u["id"] for u in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3  # five users (four and the admin), two per page
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 5
    assert ids < set(seen)


def test_list_without_limit_returns_everything_and_no_cursor(client, admin_headers, make_user):
    make_user()
    body = client.get("/api/users", headers=admin_headers).get_json()
    assert len(body["items"]) == 2 and body["next_cursor"] is None


@pytest.mark.parametrize("query,field", [("limit=0", "limit"), ("limit=abc", "limit"),
                                         ("limit=100000", "limit"), ("cursor=%%%", "cursor"),
                                         ("cursor=WzEsMl0", "cursor")])
def test_list_rejects_bad_limit_and_cursor(client, admin_headers, query, field):
    response = client.get(f"/api/users?{query}", headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_list_filters_by_role_and_text(client, admin_headers, make_user):
    make_user("operator", username="ops.one", email="one@ops.test")
    make_user("operator", username="ops.two", email="two@ops.test")
    make_user("viewer", username="watcher", email="watcher@ops.test")

    by_role = client.get("/api/users?role=operator", headers=admin_headers).get_json()
    assert sorted(u["username"] for u in by_role["items"]) == ["ops.one", "ops.two"]

    by_name = client.get("/api/users?q=S.TW", headers=admin_headers).get_json()
    assert [u["username"] for u in by_name["items"]] == ["ops.two"]

    by_email = client.get("/api/users?q=watcher@", headers=admin_headers).get_json()
    assert [u["username"] for u in by_email["items"]] == ["watcher"]


def test_admin_cannot_demote_themselves(client, login):
    session = login("admin")
    response = client.patch(f"/api/users/{session['user']['id']}", json={"role": "operator"},
                            headers=bearer(session["access_token"]))
    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["field"] == "role"


def test_admin_cannot_disable_themselves(client, login):
    session = login("admin")
    response = client.patch(f"/api/users/{session['user']['id']}", json={"is_active": False},
                            headers=bearer(session["access_token"]))
    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["field"] == "is_active"


def test_admin_cannot_delete_themselves(client, login):
    session = login("admin")
    auth = bearer(session["access_token"])
    response = client.delete(f"/api/users/{session['user']['id']}", headers=auth)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert client.get("/api/auth/profile", headers=auth).status_code == 200


def test_admin_may_edit_their_own_name(client, login):
    session = login("admin")
    response = client.patch(f"/api/users/{session['user']['id']}",
                            json={"full_name": "Chief", "role": "admin"},
                            headers=bearer(session["access_token"]))
    assert response.status_code == 200 and response.get_json()["full_name"] == "Chief"


def test_admin_demotes_another_admin(client, admin_headers, make_user):
    other, _ = make_user("admin")
    response = client.patch(f"/api/users/{other['id']}", json={"role": "viewer"},
                            headers=admin_headers)
    assert response.status_code == 200 and response.get_json()["role"] == "viewer"


@pytest.mark.parametrize("value", ["false", 0, "no", None])
def test_is_active_must_be_a_json_boolean(client, admin_headers, make_user, value):
    user, _ = make_user()
    response = client.patch(f"/api/users/{user['id']}", json={"is_active": value},
                            headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "is_active"


def test_create_duplicate_email_is_409_whatever_the_case(client, admin_headers, make_user):
    user, _ = make_user()
    response = client.post("/api/users", json={"username": "another",
                                               "password": "long-enough-pass",
                                               "email": user["email"].upper()},
                           headers=admin_headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["field"] == "email"


def test_user_changes_are_audited_without_the_password(client, admin_headers, make_user):
    user, _ = make_user()
    client.patch(f"/api/users/{user['id']}", json={"password": "reset-by-admin"},
                 headers=admin_headers)
    entries = client.get("/api/audit?action=user.updated", headers=admin_headers).get_json()
    assert entries["items"][0]["details"] == {"fields": ["password"]}
    assert "reset-by-admin" not in str(entries)


@pytest.mark.parametrize("method,path", [("get", "/api/users"), ("post", "/api/users"),
                                         ("get", "/api/users/1"), ("patch", "/api/users/1"),
                                         ("delete", "/api/users/1")])
def test_operators_cannot_manage_users(client, headers, method, path):
    response = getattr(client, method)(path, json={}, headers=headers("operator"))
    assert response.status_code == 403


def test_admin_password_reset_ends_the_users_sessions(client, login, admin_headers):
    session = login()
    client.patch(f"/api/users/{session['user']['id']}", json={"password": "reset-by-admin"},
                 headers=admin_headers)
    assert client.get("/api/auth/profile",
                      headers=bearer(session["access_token"])).status_code == 401
    assert client.post("/api/auth/refresh",
                       json={"refresh_token": session["refresh_token"]}).status_code == 401


def test_disabling_a_user_ends_their_sessions_even_once_enabled_again(client, login,
                                                                        admin_headers):
    session = login()
    uid = session["user"]["id"]
    client.patch(f"/api/users/{uid}", json={"is_active": False}, headers=admin_headers)
    client.patch(f"/api/users/{uid}", json={"is_active": True}, headers=admin_headers)
    assert client.get("/api/auth/profile",
                      headers=bearer(session["access_token"])).status_code == 401
    assert client.post("/api/auth/refresh",
                       json={"refresh_token": session["refresh_token"]}).status_code == 401
