"""Password reset by e-mail through a real (local) SMTP server, and the password policy."""

import re
from datetime import timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import select, update

from smartcity.auth.models import PasswordResetToken
from smartcity.database import utcnow
from smartcity.extensions import db

NEW = "violet-harbour-lantern-92"


def forgot(client, email):
    return client.post("/api/auth/forgot-password", json={"email": email})


def mailed_token(mailbox, count=1) -> str:
    messages = mailbox.wait_for(count)
    assert len(messages) == count
    body = message_from_bytes(messages[-1]["content"]).get_payload(decode=True).decode()
    return re.search(r"Reset token: (\S+)", body).group(1)


def reset(client, token, password=NEW):
    return client.post("/api/auth/reset-password", json={"token": token, "password": password})


def login_ok(client, username, password) -> bool:
    return client.post("/api/auth/login", json={"username": username,
                                                "password": password}).status_code == 200


def test_reset_by_mail_sets_the_password_and_ends_every_session(client, make_user, smtp):
    user, old = make_user()
    session = client.post("/api/auth/login", json={"username": user["username"],
                                                   "password": old}).get_json()
    response = forgot(client, user["email"].upper())
    assert response.status_code == 202
    message = message_from_bytes(smtp.wait_for(1)[0]["content"])
    assert message["To"] == user["email"] and "Password reset" in message["Subject"]
    token = mailed_token(smtp)

    assert reset(client, token).get_json() == {"status": "password_reset"}
    assert login_ok(client, user["username"], NEW)
    assert not login_ok(client, user["username"], old)
    # Access and refresh tokens issued before the reset are dead.
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    assert client.get("/api/auth/profile", headers=bearer).status_code == 401
    assert client.post("/api/auth/refresh", json={
        "refresh_token": session["refresh_token"]}).status_code == 401


def test_a_token_works_once(client, make_user, smtp):
    user, _ = make_user()
    forgot(client, user["email"])
    token = mailed_token(smtp)
    assert reset(client, token).status_code == 200
    again = reset(client, token, "another-fine-passphrase-7")
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "invalid_token"
    assert again.get_json()["error"]["details"]["field"] == "token"
    assert login_ok(client, user["username"], NEW)


def test_a_reset_spends_every_other_link_of_the_account(client, make_user, smtp):
    user, _ = make_user()
    forgot(client, user["email"])
    first = mailed_token(smtp, 1)
    forgot(client, user["email"])
    second = mailed_token(smtp, 2)
    assert first != second
    assert reset(client, second).status_code == 200
    assert reset(client, first, "another-fine-passphrase-7").status_code == 400


def test_an_expired_token_is_refused(app, client, make_user, smtp):
    user, old = make_user()
    forgot(client, user["email"])
    token = mailed_token(smtp)
    with app.app_context():
        row = db.session.scalar(select(PasswordResetToken))
        assert row.expires_at - row.created_at == timedelta(minutes=30)
        db.session.execute(update(PasswordResetToken).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = reset(client, token)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_token"
    assert login_ok(client, user["username"], old)


def test_only_a_hash_of_the_token_is_stored(app, client, make_user, smtp):
    user, _ = make_user()
    forgot(client, user["email"])
    token = mailed_token(smtp)
    with app.app_context():
        stored = db.session.scalar(select(PasswordResetToken.token_hash))
    assert token not in stored and len(stored) == 64


@pytest.mark.parametrize("email", ["nobody@city.test", "not-an-address", "disabled"])
def test_unknown_or_disabled_accounts_get_the_same_answer_and_no_mail(
        app, client, make_user, admin_headers, smtp, email):
    known, _ = make_user()
    if email == "disabled":
        off, _ = make_user()
        client.patch(f"/api/users/{off['id']}", json={"is_active": False}, headers=admin_headers)
        email = off["email"]
    response = forgot(client, email)
    assert response.status_code == 202
    assert response.get_json() == forgot(client, known["email"]).get_json()
    assert len(smtp.wait_for(1)) == 1  # the known account's mail only
    assert smtp.messages[0]["rcpt_tos"] == [known["email"]]
    with app.app_context():
        assert db.session.scalars(select(PasswordResetToken.user_id)).all() == [known["id"]]


def test_unknown_token_and_weak_password_are_400_naming_the_field(client, make_user, smtp):
    assert reset(client, "x" * 43).get_json()["error"]["details"]["field"] == "token"
    user, _ = make_user()
    forgot(client, user["email"])
    token = mailed_token(smtp)
    weak = reset(client, token, "password123")
    assert weak.status_code == 400
    assert weak.get_json()["error"]["details"]["field"] == "password"
    assert reset(client, token).status_code == 200  # the refused attempt did not spend it


def test_missing_fields_are_400(client):
    assert client.post("/api/auth/forgot-password", json={}).status_code == 400
    assert client.post("/api/auth/reset-password", json={"token": "t"}).status_code == 400


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "iloveyou1", "aaaaaaaaaa"])
def test_common_passwords_are_refused_on_create_and_change(client, admin_headers, headers,
                                                           password):
    created = client.post("/api/users", json={"username": "newbie", "password": password},
                          headers=admin_headers)
    assert created.status_code == 400
    assert created.get_json()["error"]["details"]["field"] == "password"
    changed = client.post("/api/auth/change-password", headers=headers("viewer"), json={
        "current_password": "correct-horse-battery", "new_password": password})
    assert changed.status_code == 400
    assert changed.get_json()["error"]["details"]["field"] == "new_password"


def test_with_a_public_url_the_mail_links_to_the_reset_page(app, client, make_user, smtp):
    app.config["PUBLIC_URL"] = "https://city.example/"
    user, _ = make_user()
    # A forged Host header must not choose where the link points (reset-link poisoning).
    forgot_response = client.post("/api/auth/forgot-password", json={"email": user["email"]},
                                  headers={"Host": "evil.example"})
    assert forgot_response.status_code == 202
    body = message_from_bytes(smtp.wait_for(1)[0]["content"]).get_payload(decode=True).decode()
    token = re.search(r"https://city\.example/reset-password#token=(\S+)", body).group(1)
    assert "evil.example" not in body
    assert reset(client, token).status_code == 200
