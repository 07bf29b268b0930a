import pytest

ALLOWED_ORIGIN = "https://ops.city.test"


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def post_raw(client, path, data, headers=None):
    return client.post(path, data=data, content_type="application/json", headers=headers or {})


@pytest.mark.parametrize("data", ['{"username": ', "not json", "{'single': 'quotes'}", "\xff"])
def test_malformed_json_is_400_invalid_json(client, data):
    error = error_of(post_raw(client, "/api/auth/login", data), 400)
    assert error["code"] == "invalid_json"


def test_empty_body_is_400_invalid_json(client, admin_headers):
    error = error_of(post_raw(client, "/api/devices", b"", admin_headers), 400)
    assert error["code"] == "invalid_json"


@pytest.mark.parametrize("data", ["[]", '[{"username": "a", "password": "b"}]', '"text"', "42",
                                  "null"])
def test_json_that_is_not_an_object_is_400(client, data):
    error = error_of(post_raw(client, "/api/auth/login", data), 400)
    assert (error["code"], error["details"]["field"]) == ("validation_error", "body")


@pytest.mark.parametrize("body,field", [({"username": 5, "password": "x"}, "username"),
                                        ({"username": "a", "password": ["x"]}, "password"),
                                        ({"email": {"a": 1}, "password": "x"}, "email")])
def test_wrong_types_are_400_validation_error_naming_the_field(client, body, field):
    error = error_of(client.post("/api/auth/login", json=body), 400)
    assert (error["code"], error["details"]["field"]) == ("validation_error", field)
    assert field in error["details"]["fields"]


def test_unknown_field_is_400_naming_it(client, admin_headers):
    response = client.post("/api/devices", json={"id": "d", "type": "smart_bin", "colour": "red"},
                           headers=admin_headers)
    error = error_of(response, 400)
    assert (error["code"], error["details"]["field"]) == ("validation_error", "colour")


def test_missing_required_field_is_400_naming_it(client):
    error = error_of(client.post("/api/auth/login", json={"username": "someone"}), 400)
    assert error["details"]["field"] == "password"


def test_oversize_body_is_413_json(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    response = client.post("/api/auth/login",
                           json={"username": "someone", "password": "x" * 2000})
    assert error_of(response, 413)["code"] == "payload_too_large"


def test_body_under_the_limit_is_accepted(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    response = client.post("/api/auth/login", json={"username": "someone", "password": "x" * 10})
    assert response.status_code == 401


def test_unknown_path_is_404_json(client):
    error = error_of(client.get("/api/no-such-thing"), 404)
    assert error["code"] == "not_found"


def test_wrong_method_is_405_json_with_allow(client):
    response = client.delete("/api/health")
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_unexpected_exception_is_500_json_without_internals(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/test-boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/test-boom")
    error = error_of(response, 500)
    assert error["code"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/health", "/api/no-such-thing", "/api/docs"])
def test_security_headers_are_on_every_response(client, path):
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # only in production, behind TLS


def test_hsts_is_sent_in_production(make_app):
    client = make_app(ENV="production").test_client()
    assert "max-age=" in client.get("/api/health").headers["Strict-Transport-Security"]


def test_cors_echoes_an_allowed_origin(make_app):
    client = make_app(CORS_ORIGINS=[ALLOWED_ORIGIN]).test_client()
    response = client.get("/api/health", headers={"Origin": ALLOWED_ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_preflight_allows_an_allowed_origin(make_app):
    client = make_app(CORS_ORIGINS=[ALLOWED_ORIGIN]).test_client()
    response = client.options("/api/devices", headers={
        "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("origin", ["https://evil.test", "https://ops.city.test.evil.test",
                                    "http://ops.city.test"])
def test_cors_does_not_echo_other_origins(make_app, origin):
    client = make_app(CORS_ORIGINS=[ALLOWED_ORIGIN]).test_client()
    response = client.get("/api/health", headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_no_origin_by_default(client):
    response = client.get("/api/health", headers={"Origin": ALLOWED_ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_view_keeps_its_own_security_header(app):
    @app.get("/api/test-framed")
    def framed():
        return {"ok": True}, 200, {"X-Frame-Options": "SAMEORIGIN"}

    headers = app.test_client().get("/api/test-framed").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_database_down_is_503_with_retry_after_not_500(make_app):
    # A device posting while PostgreSQL restarts must learn to come back, not that we failed.
    from tests.broker import free_port

    app = make_app(DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/down")
    response = app.test_client().post("/api/telemetry", json={"values": {"t": 1}},
                                      headers={"X-API-Key": "abc.def"})
    error = error_of(response, 503)
    assert error["code"] == "storage_unavailable"
    assert int(response.headers["Retry-After"]) > 0
