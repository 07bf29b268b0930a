import threading
import time

import jwt
import pytest
from sqlalchemy import select

from smartcity.auth.models import RevokedToken
from smartcity.config import TestConfig
from smartcity.extensions import db


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def login_as(client, password="correct-horse-battery", **identity):
    return client.post("/api/auth/login", json={**identity, "password": password})


def assert_error(response, status, code):
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error


def revoked_jtis(app):
    with app.app_context():
        return set(db.session.scalars(select(RevokedToken.jti)))


def claims_of(token):
    return jwt.decode(token, options={"verify_signature": False})


# --- login ---------------------------------------------------------------------------------


def test_login_by_username_returns_tokens_and_user(client, make_user):
    user, password = make_user("operator")
    response = login_as(client, password, username=user["username"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == TestConfig.JWT_ACCESS_TTL
    assert body["user"]["username"] == user["username"]
    assert body["user"]["role"] == "operator"
    assert "password" not in body["user"] and "password_hash" not in body["user"]
    assert claims_of(body["access_token"])["type"] == "access"
    assert claims_of(body["refresh_token"])["type"] == "refresh"


def test_login_by_username_ignores_case(client, make_user):
    user, password = make_user(username="Alice.Smith")
    assert login_as(client, password, username="alice.smith").status_code == 200
    assert login_as(client, password, username="ALICE.SMITH").status_code == 200


def test_login_by_email_ignores_case(client, make_user):
    user, password = make_user(email="Bob@City.test")
    response = login_as(client, password, email="bob@CITY.TEST")
    assert response.status_code == 200
    assert response.get_json()["user"]["id"] == user["id"]


def test_login_records_last_login_time(client, make_user):
    user, password = make_user()
    assert user["last_login_at"] is None
    body = login_as(client, password, username=user["username"]).get_json()
    assert body["user"]["last_login_at"] is not None


def test_login_with_wrong_password_is_401_with_error_shape(client, make_user):
    user, _ = make_user()
    response = login_as(client, "not-the-password", username=user["username"])
    assert_error(response, 401, "invalid_credentials")


def test_login_of_unknown_user_is_the_same_401_as_a_wrong_password(client, make_user):
    user, _ = make_user()
    wrong = login_as(client, "not-the-password", username=user["username"]).get_json()
    unknown = login_as(client, "not-the-password", username="nobody-here").get_json()
    assert wrong == unknown


def test_login_without_username_or_email_is_400(client):
    response = client.post("/api/auth/login", json={"password": "whatever-password"})
    error = assert_error(response, 400, "validation_error")
    assert error["details"]["field"] == "username"


def test_disabled_user_cannot_log_in(client, make_user, admin_headers):
    user, password = make_user()
    response = client.patch(f"/api/users/{user['id']}", json={"is_active": False},
                            headers=admin_headers)
    assert response.status_code == 200
    assert_error(login_as(client, password, username=user["username"]), 403, "account_disabled")


def test_disabled_user_access_token_stops_working(client, login, admin_headers):
    session = login("viewer")
    client.patch(f"/api/users/{session['user']['id']}", json={"is_active": False},
                 headers=admin_headers)
    response = client.get("/api/auth/profile", headers=bearer(session["access_token"]))
    assert_error(response, 401, "unauthorized")


# --- refresh, logout, revocation ---------------------------------------------------------


def test_refresh_returns_a_new_working_token_pair(client, login):
    session = login()
    response = client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert response.status_code == 200
    fresh = response.get_json()
    assert fresh["refresh_token"] != session["refresh_token"]
    assert fresh["access_token"] != session["access_token"]
    assert client.get("/api/auth/profile", headers=bearer(fresh["access_token"])).status_code == 200


def test_a_refresh_token_raced_by_several_requests_works_exactly_once(app, login):
    token = login()["refresh_token"]
    barrier, statuses = threading.Barrier(4), []

    def refresh():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/auth/refresh",
                                    json={"refresh_token": token}).status_code)

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 401, 401, 401]


def test_refresh_token_is_rejected_after_it_was_used_once(app, client, login):
    session = login()
    first = client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert first.status_code == 200
    again = client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert_error(again, 401, "unauthorized")
    assert claims_of(session["refresh_token"])["jti"] in revoked_jtis(app)
    newer = first.get_json()["refresh_token"]
    assert client.post("/api/auth/refresh", json={"refresh_token": newer}).status_code == 200


def test_access_token_cannot_be_used_as_refresh_token(client, login):
    session = login()
    response = client.post("/api/auth/refresh", json={"refresh_token": session["access_token"]})
    assert_error(response, 401, "unauthorized")


def test_refresh_token_cannot_be_used_as_access_token(client, login):
    session = login()
    response = client.get("/api/auth/profile", headers=bearer(session["refresh_token"]))
    assert_error(response, 401, "unauthorized")


def test_refresh_for_a_disabled_user_is_401(client, login, admin_headers):
    session = login()
    client.patch(f"/api/users/{session['user']['id']}", json={"is_active": False},
                 headers=admin_headers)
    response = client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert_error(response, 401, "unauthorized")


def test_logout_revokes_the_access_token(app, client, login):
    session = login()
    response = client.post("/api/auth/logout", headers=bearer(session["access_token"]))
    assert response.status_code == 200
    after = client.get("/api/auth/profile", headers=bearer(session["access_token"]))
    assert_error(after, 401, "unauthorized")
    assert claims_of(session["access_token"])["jti"] in revoked_jtis(app)


def test_logout_revokes_the_given_refresh_token(app, client, login):
    session = login()
    response = client.post("/api/auth/logout", json={"refresh_token": session["refresh_token"]},
                           headers=bearer(session["access_token"]))
    assert response.status_code == 200
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert_error(refreshed, 401, "unauthorized")
    assert {claims_of(session["access_token"])["jti"],
            claims_of(session["refresh_token"])["jti"]} <= revoked_jtis(app)


def test_logout_with_another_users_refresh_token_is_403_and_revokes_nothing(app, client, login):
    mine, theirs = login(), login()
    response = client.post("/api/auth/logout", json={"refresh_token": theirs["refresh_token"]},
                           headers=bearer(mine["access_token"]))
    assert_error(response, 403, "forbidden")
    assert revoked_jtis(app) == set()
    assert client.get("/api/auth/profile", headers=bearer(mine["access_token"])).status_code == 200


def test_revocation_survives_a_new_app_on_the_same_database(make_app, login, client):
    session = login()
    client.post("/api/auth/logout", headers=bearer(session["access_token"]))
    other = make_app().test_client()
    response = other.get("/api/auth/profile", headers=bearer(session["access_token"]))
    assert_error(response, 401, "unauthorized")


def test_expired_access_token_is_401(make_app, make_user):
    client = make_app(JWT_ACCESS_TTL=-1).test_client()
    user, password = make_user()
    token = login_as(client, password, username=user["username"]).get_json()["access_token"]
    response = client.get("/api/auth/profile", headers=bearer(token))
    error = assert_error(response, 401, "unauthorized")
    assert "expired" in error["message"]


def test_crafted_expired_token_is_401(client, make_user):
    user, _ = make_user()
    now = int(time.time())
    token = jwt.encode({"sub": str(user["id"]), "role": "viewer", "type": "access",
                        "jti": "expired-jti", "iat": now - 120, "exp": now - 60},
                       TestConfig.JWT_SECRET_KEY, algorithm="HS256")
    assert_error(client.get("/api/auth/profile", headers=bearer(token)), 401, "unauthorized")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("key,algorithm", [("another-secret-key-of-sufficient-length", "HS256"),
                                           (TestConfig.JWT_SECRET_KEY, "HS512")])
def test_token_with_wrong_signature_or_algorithm_is_401(client, make_user, key, algorithm):
    user, _ = make_user("admin")
    now = int(time.time())
    token = jwt.encode({"sub": str(user["id"]), "role": "admin", "type": "access",
                        "jti": "forged", "iat": now, "exp": now + 60}, key, algorithm=algorithm)
    assert_error(client.get("/api/users", headers=bearer(token)), 401, "unauthorized")


def test_garbage_bearer_token_is_401(client):
    assert_error(client.get("/api/auth/profile", headers=bearer("not-a-jwt")), 401,
                 "unauthorized")


def test_missing_token_is_401_with_www_authenticate(client):
    response = client.get("/api/auth/profile")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


# --- profile and password ----------------------------------------------------------------


def test_profile_shows_the_signed_in_user(client, login):
    session = login("operator")
    response = client.get("/api/auth/profile", headers=bearer(session["access_token"]))
    assert response.status_code == 200
    profile = response.get_json()
    for field in ("id", "username", "email", "role", "is_active", "created_at"):
        assert profile[field] == session["user"][field]


def test_profile_update_changes_name_and_email(client, login):
    session = login()
    auth = bearer(session["access_token"])
    response = client.put("/api/auth/profile",
                          json={"full_name": "Ada Lovelace", "email": "ada@city.test"},
                          headers=auth)
    assert response.status_code == 200
    assert response.get_json()["full_name"] == "Ada Lovelace"
    profile = client.get("/api/auth/profile", headers=auth).get_json()
    assert (profile["full_name"], profile["email"]) == ("Ada Lovelace", "ada@city.test")


def test_profile_update_may_change_only_the_case_of_ones_own_email(client, login):
    session = login()
    email = session["user"]["email"].upper()
    response = client.put("/api/auth/profile", json={"email": email},
                          headers=bearer(session["access_token"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["email"] == email


def test_profile_update_to_another_users_email_is_409(client, login, make_user):
    other, _ = make_user()
    session = login()
    response = client.put("/api/auth/profile", json={"email": other["email"].upper()},
                          headers=bearer(session["access_token"]))
    assert assert_error(response, 409, "conflict")["details"]["field"] == "email"


@pytest.mark.parametrize("field", ["role", "is_active", "username", "password"])
def test_profile_update_cannot_change_protected_fields(client, login, field):
    session = login()
    value = {"role": "admin", "is_active": False, "username": "renamed",
             "password": "a-new-password"}[field]
    response = client.put("/api/auth/profile", json={field: value},
                          headers=bearer(session["access_token"]))
    assert assert_error(response, 400, "validation_error")["details"]["field"] == field
    profile = client.get("/api/auth/profile", headers=bearer(session["access_token"])).get_json()
    assert profile["role"] == "viewer" and profile["is_active"] is True


def test_change_password_with_wrong_current_password_is_400_naming_the_field(client, login):
    session = login()
    response = client.post("/api/auth/change-password",
                           json={"current_password": "wrong-one", "new_password": "brand-new-pw"},
                           headers=bearer(session["access_token"]))
    error = assert_error(response, 400, "invalid_credentials")
    assert error["details"]["field"] == "current_password"


def test_change_password_too_short_is_400_naming_the_field(client, login):
    session = login()
    response = client.post("/api/auth/change-password",
                           json={"current_password": "correct-horse-battery",
                                 "new_password": "short"},
                           headers=bearer(session["access_token"]))
    assert assert_error(response, 400, "validation_error")["details"]["field"] == "new_password"


def test_changed_password_works_and_old_one_does_not(client, login):
    session = login()
    response = client.post("/api/auth/change-password",
                           json={"current_password": "correct-horse-battery",
                                 "new_password": "brand-new-password"},
                           headers=bearer(session["access_token"]))
    assert response.status_code == 200
    username = session["user"]["username"]
    assert login_as(client, "brand-new-password", username=username).status_code == 200
    assert login_as(client, "correct-horse-battery", username=username).status_code == 401


def test_password_change_ends_every_earlier_session_but_answers_a_fresh_one(client, login):
    session = login()
    other = login_as(client, username=session["user"]["username"]).get_json()
    response = client.post("/api/auth/change-password",
                           json={"current_password": "correct-horse-battery",
                                 "new_password": "brand-new-password"},
                           headers=bearer(session["access_token"]))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    for old in (session, other):
        assert client.get("/api/auth/profile",
                          headers=bearer(old["access_token"])).status_code == 401
        assert client.post("/api/auth/refresh",
                           json={"refresh_token": old["refresh_token"]}).status_code == 401
    fresh = response.get_json()
    assert client.get("/api/auth/profile",
                      headers=bearer(fresh["access_token"])).status_code == 200
    assert client.post("/api/auth/refresh",
                       json={"refresh_token": fresh["refresh_token"]}).status_code == 200


def test_token_answers_are_not_cached(client, login):
    session = login()
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert refreshed.headers["Cache-Control"] == "no-store"
    signed_in = login_as(client, username=session["user"]["username"])
    assert signed_in.headers["Cache-Control"] == "no-store"
    assert signed_in.headers["Pragma"] == "no-cache"


# --- register ------------------------------------------------------------------------------


def test_admin_registers_a_user_who_can_log_in(client, admin_headers):
    response = client.post("/api/auth/register",
                           json={"username": "new.operator", "password": "a-good-password",
                                 "email": "new@city.test", "role": "operator"},
                           headers=admin_headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["role"] == "operator" and "password" not in body
    assert login_as(client, "a-good-password", username="new.operator").status_code == 200


def test_register_defaults_to_the_viewer_role(client, admin_headers):
    response = client.post("/api/auth/register",
                           json={"username": "plain", "password": "a-good-password"},
                           headers=admin_headers)
    assert response.get_json()["role"] == "viewer"


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_register_is_admin_only(client, headers, role):
    response = client.post("/api/auth/register",
                           json={"username": "sneaky", "password": "a-good-password"},
                           headers=headers(role))
    assert_error(response, 403, "forbidden")


def test_register_duplicate_username_is_409_whatever_the_case(client, make_user, admin_headers):
    user, _ = make_user()
    response = client.post("/api/auth/register",
                           json={"username": user["username"].upper(),
                                 "password": "a-good-password"},
                           headers=admin_headers)
    assert assert_error(response, 409, "conflict")["details"]["field"] == "username"


@pytest.mark.parametrize("body,field", [
    ({"username": "ab", "password": "a-good-password"}, "username"),
    ({"username": "has space", "password": "a-good-password"}, "username"),
    ({"username": "trailing-newline\n", "password": "a-good-password"}, "username"),
    ({"username": "valid-name", "password": "short"}, "password"),
    ({"username": "valid-name", "password": "a-good-password", "role": "root"}, "role"),
    ({"username": "valid-name", "password": "a-good-password", "email": "nope"}, "email"),
])
def test_register_rejects_invalid_fields(client, admin_headers, body, field):
    response = client.post("/api/auth/register", json=body, headers=admin_headers)
    assert assert_error(response, 400, "validation_error")["details"]["field"] == field


# --- rate limits ---------------------------------------------------------------------------


def test_login_rate_limit_answers_429_with_retry_after_and_error_shape(make_app, make_user):
    client = make_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    user, password = make_user()
    for _ in range(3):
        assert login_as(client, "wrong-password", username=user["username"]).status_code == 401
    response = login_as(client, password, username=user["username"])
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0


def test_login_rate_limit_per_account_holds_across_ip_addresses(make_app, make_user):
    client = make_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    user, password = make_user()
    for n in range(3):
        response = client.post("/api/auth/login",
                               json={"username": user["username"], "password": "wrong-password"},
                               environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
        assert response.status_code == 401
    response = client.post("/api/auth/login",
                           json={"username": user["username"].upper(), "password": password},
                           environ_base={"REMOTE_ADDR": "198.51.100.99"})
    assert_error(response, 429, "rate_limited")


def test_username_and_email_of_one_account_share_its_login_allowance(make_app, make_user):
    client = make_app(LOGIN_RATE_LIMIT="4 per minute").test_client()
    user, password = make_user()
    for n in range(4):
        identity = ({"username": user["username"]} if n % 2 else
                    {"email": user["email"].upper()})
        response = client.post("/api/auth/login", json={**identity, "password": "wrong-pass"},
                               environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
        assert response.status_code == 401
    response = client.post("/api/auth/login",
                           json={"email": user["email"], "password": password},
                           environ_base={"REMOTE_ADDR": "198.51.100.99"})
    assert_error(response, 429, "rate_limited")


def test_login_rate_limit_per_ip_holds_across_accounts(make_app, make_user):
    client = make_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    user, password = make_user()
    for n in range(3):
        assert login_as(client, "wrong-password", username=f"nobody{n}").status_code == 401
    assert_error(login_as(client, password, username=user["username"]), 429, "rate_limited")


def test_login_rate_limit_of_one_account_does_not_block_another(make_app, make_user):
    client = make_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    victim, _ = make_user()
    other, password = make_user()
    for n in range(3):
        client.post("/api/auth/login",
                    json={"username": victim["username"], "password": "wrong-password"},
                    environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
    response = client.post("/api/auth/login",
                           json={"username": other["username"], "password": password},
                           environ_base={"REMOTE_ADDR": "198.51.100.50"})
    assert response.status_code == 200


def test_rate_limits_can_be_switched_off(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=False, LOGIN_RATE_LIMIT="2 per minute").test_client()
    user, password = make_user()
    for _ in range(4):
        assert login_as(client, "wrong-password", username=user["username"]).status_code == 401
    response = login_as(client, password, username=user["username"])
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers
