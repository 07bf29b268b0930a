"""The OpenAPI document is built from the app: every /api rule and method is in it, with its
path parameters, the body and query schemas the view loads, and the one error shape."""

import re

_PARAM = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


def _spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_api_rule_and_method_is_documented_with_its_path_parameters(app, client):
    spec = _spec(client)
    count = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", rule.rule)
        assert path in spec["paths"], rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"][path].get(method.lower())
            assert operation is not None, (method, rule.rule)
            named = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert named == set(rule.arguments) - set(rule.defaults or {}), (method, rule.rule)
            assert operation["responses"], (method, rule.rule)
            assert "400" in operation["responses"] and "503" in operation["responses"]
            count += 1
    assert count > 100


def test_request_bodies_and_query_parameters_come_from_the_marshmallow_schemas(client):
    spec = _spec(client)
    schemas = spec["components"]["schemas"]
    login = spec["paths"]["/api/auth/login"]["post"]
    ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schemas[ref.rsplit("/", 1)[1]]
    assert {"username", "password"} <= set(body["properties"])
    assert "password" in body.get("required", [])
    create = spec["paths"]["/api/devices"]["post"]
    assert "201" in create["responses"] and "409" in create["responses"]
    # Traffic and emergency both call a schema IncidentCreate: each keeps its own.
    refs = {spec["paths"][p]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "$ref"] for p in ("/api/traffic/incidents", "/api/emergency/incidents")}
    assert len(refs) == 2
    readings = {p["name"] for p in spec["paths"]["/api/traffic/readings"]["get"]["parameters"]
                if p["in"] == "query"}
    assert readings, "query parameters of a schema loaded from request.args"


def test_errors_are_documented_with_the_one_error_shape(client):
    spec = _spec(client)
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]
    device = spec["paths"]["/api/devices/{device_id}"]["get"]
    assert device["responses"]["404"] == {"$ref": "#/components/responses/Error404"}
    assert device["responses"]["401"] == {"$ref": "#/components/responses/Error401"}


def test_numeric_bounds_are_json_numbers(client):
    aqi = _spec(client)["paths"]["/api/environment/aqi"]["get"]["parameters"]
    bounded = [p["schema"] for p in aqi if "maximum" in p["schema"]]
    assert bounded and all(isinstance(b["maximum"], int | float) for b in bounded)


def test_main_resources_document_their_answers_and_real_answers_match(client, admin_headers):
    from smartcity.devices.schemas import DeviceOut

    spec = _spec(client)
    listed = spec["paths"]["/api/devices"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert listed["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/devices.DeviceOut"}
    for path, method, status, name in (
            ("/api/devices/{device_id}", "get", "200", "devices.DeviceOut"),
            ("/api/users/{user_id}", "get", "200", "auth.UserOut"),
            ("/api/users", "post", "201", "auth.UserOut"),
            ("/api/alerts/{alarm_id}", "get", "200", "alerts.AlarmOut"),
            ("/api/alert-rules/{rule_id}", "patch", "200", "alerts.AlertRuleOut")):
        content = spec["paths"][path][method]["responses"][status]["content"]
        assert content["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{name}"}, (path, method)
    created = client.post("/api/devices", headers=admin_headers,
                          json={"id": "doc-1", "type": "air_quality_station"})
    assert created.status_code == 201
    answer = client.get("/api/devices", headers=admin_headers).get_json()
    # what the serializer writes is what its schema says (the fuzz checks every answer)
    assert answer["items"] and all(DeviceOut().validate(item) == {} for item in answer["items"])
