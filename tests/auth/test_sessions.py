"""Sign-in sessions: listed with their client, ended one by one, or all of them by an admin."""


def sign_in(client, user, password, agent="pytest-agent"):
    response = client.post("/api/auth/login", headers={"User-Agent": agent},
                           json={"username": user["username"], "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(body):
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_each_sign_in_is_listed_with_its_client(client, make_user):
    user, password = make_user()
    laptop = sign_in(client, user, password, "Firefox on laptop")
    sign_in(client, user, password, "Safari on phone")
    items = client.get("/api/auth/sessions", headers=bearer(laptop)).get_json()["items"]
    assert sorted(i["user_agent"] for i in items) == ["Firefox on laptop", "Safari on phone"]
    assert all(i["address"] == "127.0.0.1" and i["created_at"] and i["last_used_at"]
               for i in items)
    assert [i["user_agent"] for i in items if i["current"]] == ["Firefox on laptop"]


def test_refresh_keeps_the_session_and_updates_its_last_use(client, make_user):
    user, password = make_user()
    first = sign_in(client, user, password)
    before = client.get("/api/auth/sessions", headers=bearer(first)).get_json()["items"]
    renewed = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert renewed.status_code == 200
    after = client.get("/api/auth/sessions", headers=bearer(renewed.get_json()))
    items = after.get_json()["items"]
    assert [i["id"] for i in items] == [before[0]["id"]]
    assert items[0]["last_used_at"] >= before[0]["last_used_at"]


def test_ending_a_session_kills_its_refresh_token(client, make_user):
    user, password = make_user()
    mine = sign_in(client, user, password, "this one")
    stolen = sign_in(client, user, password, "the other one")
    items = client.get("/api/auth/sessions", headers=bearer(mine)).get_json()["items"]
    other = next(i for i in items if i["user_agent"] == "the other one")
    assert client.delete(f"/api/auth/sessions/{other['id']}", headers=bearer(mine)).status_code \
        == 204
    assert client.post("/api/auth/refresh", json={
        "refresh_token": stolen["refresh_token"]}).status_code == 401
    assert client.post("/api/auth/refresh", headers={"User-Agent": "this one, later"}, json={
        "refresh_token": mine["refresh_token"]}).status_code == 200
    left = client.get("/api/auth/sessions", headers=bearer(mine)).get_json()["items"]
    assert [i["user_agent"] for i in left] == ["this one, later"]
    assert client.delete(f"/api/auth/sessions/{other['id']}", headers=bearer(mine)).status_code \
        == 404


def test_another_users_session_is_not_found(client, make_user):
    alice, pa = make_user()
    bob, pb = make_user()
    a = sign_in(client, alice, pa)
    b = sign_in(client, bob, pb)
    bobs = client.get("/api/auth/sessions", headers=bearer(b)).get_json()["items"][0]["id"]
    assert client.delete(f"/api/auth/sessions/{bobs}", headers=bearer(a)).status_code == 404
    assert client.post("/api/auth/refresh", json={
        "refresh_token": b["refresh_token"]}).status_code == 200


def test_logout_ends_the_session(client, make_user):
    user, password = make_user()
    body = sign_in(client, user, password)
    other = sign_in(client, user, password)
    client.post("/api/auth/logout", headers=bearer(body),
                json={"refresh_token": body["refresh_token"]})
    items = client.get("/api/auth/sessions", headers=bearer(other)).get_json()["items"]
    assert len(items) == 1


def test_an_admin_ends_every_session_of_a_user(client, make_user, admin_headers):
    user, password = make_user()
    one, two = sign_in(client, user, password), sign_in(client, user, password)
    assert client.delete(f"/api/users/{user['id']}/sessions",
                         headers=admin_headers).status_code == 204
    for body in (one, two):
        assert client.get("/api/auth/profile", headers=bearer(body)).status_code == 401
        assert client.post("/api/auth/refresh", json={
            "refresh_token": body["refresh_token"]}).status_code == 401
    fresh = sign_in(client, user, password)
    assert len(client.get("/api/auth/sessions", headers=bearer(fresh)).get_json()["items"]) == 1
    assert client.delete("/api/users/999999/sessions", headers=admin_headers).status_code == 404


def test_sessions_end_with_the_password(client, make_user):
    user, password = make_user()
    sign_in(client, user, password, "old device")
    body = sign_in(client, user, password, "this device")
    changed = client.post("/api/auth/change-password", headers=bearer(body), json={
        "current_password": password, "new_password": "violet-harbour-lantern-92"})
    assert changed.status_code == 200
    items = client.get("/api/auth/sessions", headers=bearer(changed.get_json())).get_json()
    assert len(items["items"]) == 1 and items["items"][0]["current"]
