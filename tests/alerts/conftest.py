"""Alert test helpers: rules over the API, readings from a device, waiting for the engine."""

import itertools

import pytest

from smartcity.telemetry.pipeline import get_pipeline
from smartcity.timeutil import now_ms

MINUTE = 60_000
_names = itertools.count()


@pytest.fixture
def settle(app):
    """Wait until the writer has run the after-commit hooks of everything queued so far.

    The writer answers a request before it runs the hooks; a call queued behind the request
    runs only once those hooks are done.
    """

    def wait():
        with app.app_context():
            get_pipeline().call(lambda _conn: None)

    return wait


@pytest.fixture
def make_rule(client, admin_headers):
    """Create a rule through the API; returns its JSON."""

    def factory(**fields):
        body = {"name": f"rule {fields.get('key', 'x')} {next(_names)}", "kind": "threshold",
                "scope": {"device_type": "air_quality_station"}, "severity": "major", **fields}
        response = client.post("/api/alert-rules", json=body, headers=admin_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return factory


@pytest.fixture
def send(client, settle):
    """Post readings as a device (X-API-Key) and wait for the rule engine."""

    def post(device, values, ts=None):
        response = client.post("/api/telemetry", headers={"X-API-Key": device["api_key"]},
                               json={"ts": ts or now_ms(), "values": values})
        assert response.status_code == 201, response.get_json()
        settle()

    return post


@pytest.fixture
def alarms(client, admin_headers):
    """GET /api/alerts with filters; returns the items."""

    def fetch(**args):
        response = client.get("/api/alerts", query_string=args, headers=admin_headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    return fetch
