"""schemathesis over the app's own OpenAPI document, against the live production server
(gunicorn with gunicorn.conf.py on the test database): every operation, positive and negative
cases, as an admin; not one 5xx and not one response the document does not describe (status,
media type, body schema, headers). Bounded for CI (FUZZ_EXAMPLES cases per operation and mode,
a fixed seed); `make fuzz` runs the same test with more examples."""

import contextlib
import json
import os
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    FailureGroup,
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.gunicorn import gunicorn

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# Operations whose success spends seconds of CPU by design (solvers); their input is still
# fuzzed through the negative mode, which is refused before the solver runs.
POSITIVE_SKIP = {"POST /api/optimization/routes"}


# Not only "no 5xx": every status is one the document lists for the operation, with the media
# type it documents, and the body (and headers) conform to the response schema it gives.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture
def fuzz_app(make_app):
    return make_app()


@pytest.fixture
def live(fuzz_app, database_url, tmp_path):
    """The production server (gunicorn, gunicorn.conf.py) on the test database, with the
    production defaults; the in-process app shares the database and the token keys."""
    settings = {"SECRET_KEY": fuzz_app.config["SECRET_KEY"],
                "JWT_SECRET_KEY": fuzz_app.config["JWT_SECRET_KEY"],
                "WEBHOOK_ALLOWED_TARGETS": "127.0.0.1/32"}
    with gunicorn(tmp_path, database_url, threads=8, settings=settings,
                  access_log=True) as server:
        yield server


def _admin_token(app):
    """A fresh admin for each operation: a fuzzed DELETE /api/users/{id} or a password change
    may end the previous one's sessions."""
    from smartcity.auth import service, tokens
    from smartcity.extensions import db

    with app.app_context():
        n = time.perf_counter_ns()
        user = service.create_user({"username": f"fuzz{n}", "email": f"fuzz{n}@city.test",
                                    "password": "correct-horse-battery", "role": "admin"})
        db.session.commit()
        return tokens.issue(user, "access")


def _fuzz(base_url: str, operation, mode, headers: dict, failures: list) -> int:
    """Run EXAMPLES cases of one operation in one mode; returns how many were sent."""
    label = f"{operation.method.upper()} {operation.path}"
    sent = []

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.headers = {**(case.headers or {}), **headers}
        response = case.call(base_url=base_url, timeout=60)
        sent.append(1)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.append((label, mode.value, response.status_code,
                                 type(failure).__name__, failure.title,
                                 case.as_curl_command(), response.text[:300]))

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (no parameters, no body)
        run()
    return len(sent)


def test_no_operation_answers_5xx_or_off_the_document(fuzz_app, live):
    schema = schemathesis.openapi.from_dict(
        requests.get(f"{live.url}/api/openapi.json", timeout=60).json())
    failures, cases, operations = [], 0, 0
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        headers = {"Authorization": f"Bearer {_admin_token(fuzz_app)}"}
        modes = [GenerationMode.NEGATIVE]
        if f"{operation.method.upper()} {operation.path}" not in POSITIVE_SKIP:
            modes.insert(0, GenerationMode.POSITIVE)
        for mode in modes:
            cases += _fuzz(live.url, operation, mode, headers, failures)
    elapsed = time.perf_counter() - started
    print(json.dumps({"fuzz": {"operations": operations, "cases": cases,
                               "seconds": round(elapsed, 1), "failures": len(failures)}}))
    assert operations > 100
    served = live.log.read_text(errors="replace").count(' HTTP/1.1" ')  # its access log
    assert served >= cases, (served, cases)
    kinds = sorted({(label, status, kind) for label, _, status, kind, *_ in failures})
    assert not failures, "\n".join(map(str, kinds[:60] + failures[:10]))
