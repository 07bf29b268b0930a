"""One sign-in for every tab: the refresh token in an HttpOnly, SameSite=Strict cookie limited to
/api/auth, for clients that opt in with X-Refresh-Cookie; scripts keep the JSON body."""

OPT_IN = {"X-Refresh-Cookie": "1"}


def _cookie(response):
    header = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith("smartcity_refresh="))
    value, *attributes = [part.strip() for part in header.split(";")]
    return value.split("=", 1)[1], {a.split("=")[0].lower(): a for a in attributes}


def _sign_in(client, make_user, headers=None):
    user, password = make_user("operator")
    return client.post("/api/auth/login", headers=headers or {},
                       json={"username": user["username"], "password": password})


def test_a_client_that_opts_in_gets_the_refresh_token_as_a_guarded_cookie(client, make_user):
    answer = _sign_in(client, make_user, OPT_IN)
    assert answer.status_code == 200 and answer.get_json()["refresh_token"] is None
    assert answer.get_json()["access_token"]
    value, attributes = _cookie(answer)
    assert value.count(".") == 2  # a JWT
    assert attributes["path"] == "Path=/api/auth"
    assert "httponly" in attributes and attributes["samesite"] == "SameSite=Strict"
    assert "secure" not in attributes  # plain HTTP in tests; see the TLS test below
    hint = next(h for h in answer.headers.getlist("Set-Cookie")
                if h.startswith("smartcity_signed_in"))
    assert hint.startswith("smartcity_signed_in=1;") and "HttpOnly" not in hint  # no secret


def test_scripts_keep_the_refresh_token_in_the_body(client, make_user):
    answer = _sign_in(client, make_user)
    assert answer.get_json()["refresh_token"]
    assert not [h for h in answer.headers.getlist("Set-Cookie") if "smartcity_refresh" in h]


def test_the_cookie_is_secure_over_tls(client, make_user):
    user, password = make_user("viewer")
    answer = client.post("/api/auth/login", headers=OPT_IN, base_url="https://localhost",
                         json={"username": user["username"], "password": password})
    assert "secure" in _cookie(answer)[1]


def test_the_cookie_refreshes_and_rotates(client, make_user):
    first, _ = _cookie(_sign_in(client, make_user, OPT_IN))
    answer = client.post("/api/auth/refresh", headers=OPT_IN)
    assert answer.status_code == 200 and answer.get_json()["access_token"]
    second, _ = _cookie(answer)
    assert second != first
    client.set_cookie("smartcity_refresh", first, path="/api/auth")  # the old one is spent
    assert client.post("/api/auth/refresh", headers=OPT_IN).status_code == 401


def test_the_cookie_alone_is_not_enough_without_the_header(client, make_user):
    _sign_in(client, make_user, OPT_IN)
    # what a cross-site form post would look like if the browser sent the cookie at all
    assert client.post("/api/auth/refresh").status_code == 400


def test_signing_out_everywhere_revokes_and_clears_the_cookie(client, make_user):
    token, _ = _cookie(_sign_in(client, make_user, OPT_IN))
    answer = client.delete("/api/auth/refresh", headers=OPT_IN)
    assert answer.status_code == 204
    value, attributes = _cookie(answer)
    assert value == "" and attributes["path"] == "Path=/api/auth"
    client.set_cookie("smartcity_refresh", token, path="/api/auth")
    assert client.post("/api/auth/refresh", headers=OPT_IN).status_code == 401
    assert client.delete("/api/auth/refresh").status_code == 400  # the header is required


def test_logout_with_the_header_also_ends_the_cookie(client, make_user):
    answer = _sign_in(client, make_user, OPT_IN)
    bearer = {"Authorization": f"Bearer {answer.get_json()['access_token']}", **OPT_IN}
    logout = client.post("/api/auth/logout", headers=bearer)
    assert logout.status_code == 200 and _cookie(logout)[0] == ""
    assert client.post("/api/auth/refresh", headers=OPT_IN).status_code in (400, 401)
