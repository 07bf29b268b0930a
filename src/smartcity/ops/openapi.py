"""OpenAPI 3 document built from the app's routes, role guards, docstrings and schemas.

Nothing is declared twice: each view's source is read (ast) for the marshmallow schema it loads
and from where (`x.load(request.args)` -> query parameters, `x.load(json_body())` -> JSON
body), for the query names it reads by hand (`request.args.get("n")`, `flag("n")`) and for the
success status it returns (`return body, 201`). apispec's marshmallow plugin turns the schemas
into JSON Schema. Every operation documents the one error shape.
"""

import ast
import inspect
import re
import textwrap
from decimal import Decimal
from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, resolve_schema_cls
from flask import current_app
from marshmallow import Schema

_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_SECURITY = {"device": [{"deviceKey": []}], None: []}
_INT64 = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
_ERRORS = {
    400: "Invalid input; details.field names the field",
    401: "Missing, invalid or revoked credentials",
    403: "Role too low for this operation",
    404: "No such resource",
    409: "Conflicts with the current state",
    413: "Body too large",
    422: "Well-formed, but the data cannot answer it (e.g. too little history)",
    429: "Rate limited; Retry-After says when to retry",
    503: "A dependency is unavailable; Retry-After says when to retry",
}
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "details": {"type": "object"}},
    }},
}


def _path(rule: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _parameters(rule: str) -> list[dict]:
    params = []
    for converter, name in _PARAM.findall(rule):
        schema = dict(_INT64) if converter == "int" else {"type": "string", "minLength": 1}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _resolve(node, names: dict):
    """The Schema instance an expression names (a module-level instance, or a class called
    with no arguments), else None."""
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        node = node.func
    value = None
    if isinstance(node, ast.Name):
        value = names.get(node.id)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        value = getattr(names.get(node.value.id), node.attr, None)
    if isinstance(value, type) and issubclass(value, Schema):
        value = value()
    return value if isinstance(value, Schema) else None


def _where(arg) -> str:
    """'query' when the loaded value comes from request.args, else 'body'."""
    text = ast.dump(arg)
    return "query" if "attr='args'" in text and "json_body" not in text else "body"


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None


def _shape(node, names: dict):
    """("one", schema) when the expression is a call of a serializer marked with
    http.dumped_as, ("page", schema) for page_response([serializer(x) for x in ...], cursor),
    else None (undocumented body)."""
    if not isinstance(node, ast.Call):
        return None
    schema = getattr(_callee(node.func, names), "response_schema", None)
    if schema is not None:
        return ("one", schema)
    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
    if name == "page_response" and node.args and isinstance(node.args[0], ast.ListComp):
        inner = _shape(node.args[0].elt, names)
        if inner and inner[0] == "one":
            return ("page", inner[1])
    return None


def _success_content(shapes: list, spec: APISpec, registered: dict) -> dict | None:
    """The response content of one success status, when every return of it has one shape."""
    if not shapes or None in shapes or len(set(shapes)) != 1:
        return None
    kind, schema = shapes[0]
    name = _schema_name(schema)
    if name not in registered:
        registered[name] = schema
        spec.components.schema(name, schema=schema)
    ref = {"$ref": f"#/components/schemas/{name}"}
    if kind == "page":
        ref = {"type": "object", "required": ["items", "next_cursor"], "properties": {
            "items": {"type": "array", "items": ref},
            "next_cursor": {"type": "string", "nullable": True}}}
    return {"application/json": {"schema": ref}}


@cache
def _read(view) -> dict:
    """What the view's source says: schemas by location, hand-read query names, body use,
    success statuses."""
    found = {"query": [], "body": [], "args": [], "raw_body": False, "statuses": set(),
             "returns": []}
    func = inspect.unwrap(view)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return found
    names = func.__globals__
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr == "load" and len(node.args) == 1:
                schema = _resolve(f.value, names)
                if schema is not None:
                    found[_where(node.args[0])].append(schema)
            elif isinstance(f, ast.Name) and f.id == "load" and len(node.args) == 2:
                schema = _resolve(node.args[0], names)
                if schema is not None:
                    found[_where(node.args[1])].append(schema)
            if isinstance(f, ast.Name) and f.id in ("json_body", "get_json"):
                found["raw_body"] = True
            if isinstance(f, ast.Attribute) and f.attr in ("get_json", "get_data"):
                found["raw_body"] = True
            if isinstance(f, ast.Name) and f.id == "flag" and node.args:
                found["args"].append(_constant(node.args[0]))
            if (isinstance(f, ast.Attribute) and f.attr in ("get", "getlist")
                    and isinstance(f.value, ast.Attribute) and f.value.attr == "args"
                    and node.args):
                found["args"].append(_constant(node.args[0]))
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            status = _constant(node.value.elts[-1]) if len(node.value.elts) >= 2 else None
            if isinstance(status, int) and 200 <= status < 300:
                found["statuses"].add(status)
                found["returns"].append((status, _shape(node.value.elts[0], names)))
        elif isinstance(node, ast.Return) and node.value is not None:
            found["returns"].append((200, _shape(node.value, names)))
    found["args"] = [a for a in found["args"] if isinstance(a, str)]
    return found


# Error helpers (smartcity.errors, werkzeug) and the status each raises.
_HELPERS = {"not_found": 404, "NotFound": 404, "conflict": 409, "Conflict": 409}
_visiting: set = set()


def _callee(node, names: dict):
    """The function a call names (`f(...)` or `module.f(...)`), else None."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = names.get(node.value.id)
        return getattr(owner, node.attr, None) if inspect.ismodule(owner) else None
    return None


@cache
def _raised(func) -> frozenset[int]:
    """Error statuses a function raises itself or through the smartcity functions it calls by
    name (`ApiError(409, ...)`, `not_found(...)`, `conflict(...)`), followed transitively."""
    if func in _visiting:  # recursion: the outer call collects it
        return frozenset()
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    _visiting.add(func)
    try:
        found: set[int] = set()
        names = func.__globals__
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
            if name == "ApiError" and node.args and isinstance(_constant(node.args[0]), int):
                found.add(_constant(node.args[0]))
            elif name in _HELPERS:
                found.add(_HELPERS[name])
            else:
                target = _callee(f, names)
                if (inspect.isfunction(target)
                        and target.__module__.split(".")[0] == "smartcity"):
                    found |= _raised(target)
        return frozenset(found)
    finally:
        _visiting.discard(func)


def _schema_name(schema) -> str:
    """Domains reuse class names (IncidentCreate in traffic and emergency): qualify by package."""
    kind = resolve_schema_cls(schema)
    name = f"{kind.__module__.split('.')[1]}.{kind.__name__}"
    if isinstance(schema, Schema) and schema.partial:
        name += "Partial"
    return name


def _operation(rule, method: str, view, spec: APISpec, registered: dict) -> dict:
    role = getattr(view, "required_role", None)
    doc = (view.__doc__ or "").strip().splitlines()
    source = _read(view)
    params = _parameters(rule.rule)
    seen = {p["name"] for p in params}
    for schema in source["query"]:
        for field_name, field in schema.fields.items():
            if field.dump_only:
                continue
            name = field.data_key or field_name
            if name in seen:
                continue
            seen.add(name)
            prop = spec.plugins[0].converter.field2property(field)
            params.append({"name": name, "in": "query", "required": bool(field.required),
                           "schema": prop})
    for name in source["args"]:
        if name not in seen:
            seen.add(name)
            params.append({"name": name, "in": "query", "required": False,
                           "schema": {"type": "string"}})
    operation = {
        "operationId": f"{rule.endpoint}.{method.lower()}",
        "summary": doc[0] if doc else rule.endpoint,
        "tags": [rule.endpoint.split(".")[0]],
        "parameters": params,
        "security": _SECURITY.get(role, [{"bearer": []}]),
        "x-auth": {"device": "device key", None: "public"}.get(role, role),
    }
    if method in ("POST", "PUT", "PATCH"):
        if source["body"]:
            schema = source["body"][0]
            name = _schema_name(schema)
            if name not in registered:
                registered[name] = schema
                spec.components.schema(name, schema=schema)
            body_schema = {"$ref": f"#/components/schemas/{name}"}
        else:
            body_schema = {"type": "object"}
        if source["body"] or source["raw_body"]:
            operation["requestBody"] = {
                "required": True, "content": {"application/json": {"schema": body_schema}}}
    success = sorted(source["statuses"]) or [200]
    responses = {str(code): {"description": "Success" if code != 204 else "No content"}
                 for code in success}
    for code in success:
        content = _success_content([s for c, s in source["returns"] if c == code], spec,
                                   registered)
        if content:
            responses[str(code)]["content"] = content
    errors = {400, 401, 413, 429, 503}  # 401 also answers a wrong password or refresh token
    if operation["security"]:
        errors |= {403}
    if "{" in _path(rule.rule) or method in ("PATCH", "DELETE"):
        errors |= {404}
    if method in ("POST", "PUT", "PATCH"):
        errors |= {409}
    errors |= {code for code in _raised(inspect.unwrap(view)) if code in _ERRORS}
    for code in sorted(errors):
        responses[str(code)] = {"$ref": f"#/components/responses/Error{code}"}
    operation["responses"] = responses
    return operation


def build_spec() -> dict:
    spec = APISpec(title="smartcity API", version=current_app.config.get("VERSION", "0.1.0"),
                   openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)])
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer",
                   "description": "Access JWT from /api/auth/login, or a service-account token"})
    spec.components.security_scheme(
        "deviceKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
    spec.components.schema("Error", _ERROR_SCHEMA)
    for code, text in _ERRORS.items():
        spec.components.response(f"Error{code}", {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    registered: dict = {}
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        view = current_app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule.rule), {})[method.lower()] = _operation(
                rule, method, view, spec, registered)
    for path in sorted(paths):
        spec.path(path=path, operations=paths[path])
    return _plain(spec.to_dict())


def _plain(value):
    """Decimal bounds (from fields.Decimal ranges) as JSON numbers: the JSON provider would
    write them as strings, which JSON Schema rejects as a `maximum`."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
