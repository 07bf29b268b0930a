"""OpenAPI 3 document built from the app's routes, role guards and docstrings."""

import re

from apispec import APISpec
from flask import current_app

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_SECURITY = {"device": [{"deviceKey": []}], None: []}


def _path(rule: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _parameters(rule: str) -> list[dict]:
    params = []
    for converter, name in _PARAM.findall(rule):
        kind = "integer" if converter == "int" else "string"
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
    return params


def build_spec() -> dict:
    spec = APISpec(title="smartcity API", version=current_app.config.get("VERSION", "0.1.0"),
                   openapi_version="3.0.3")
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer",
                   "description": "Access JWT from /api/auth/login, or a service-account token"})
    spec.components.security_scheme(
        "deviceKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        view = current_app.view_functions[rule.endpoint]
        role = getattr(view, "required_role", None)
        doc = (view.__doc__ or "").strip().splitlines()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": doc[0] if doc else rule.endpoint,
                "tags": [rule.endpoint.split(".")[0]],
                "parameters": _parameters(rule.rule),
                "security": _SECURITY.get(role, [{"bearer": []}]),
                "responses": {"default": {"description": "JSON; errors use the shared shape"}},
            }
            operation["x-auth"] = {"device": "device key", None: "public"}.get(role, role)
            paths.setdefault(_path(rule.rule), {})[method.lower()] = operation
    for path in sorted(paths):
        spec.path(path=path, operations=paths[path])
    return spec.to_dict()
