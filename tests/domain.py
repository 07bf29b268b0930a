"""The test kit every domain's tests use (a pytest plugin, loaded by tests/conftest.py).

Fixtures: viewer_headers, operator_headers, store (readings through the real batch API and
pipeline), api (a viewer's GET), make_districts (district assets with residents), live (a
Socket.IO client of a fresh user, already in some rooms). Helpers: square, socket, events,
wait_for.
"""

import time

import pytest

from smartcity.assets.models import Asset
from smartcity.extensions import db
from smartcity.realtime.registry import socketio_of

HOUR = 3_600_000
DAY = 24 * HOUR


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    """A GeoJSON square with its south-west corner at (lon, lat)."""
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat],
                                                [lon + size, lat + size], [lon, lat + size],
                                                [lon, lat]]]}


def socket(app, token=None, **kwargs):
    """A Socket.IO test client of the app, connected with a token (or refused without)."""
    return socketio_of(app).test_client(app, auth={"token": token} if token else None, **kwargs)


def events(client, name) -> list:
    """The payloads of the `name` events the client has received since the last call."""
    return [e["args"][0] for e in client.get_received() if e["name"] == name]


def wait_for(client, name, timeout=5.0) -> list:
    """Wait for at least one `name` event; return every payload of that name received."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        seen += events(client, name)
        if seen:
            return seen
        time.sleep(0.02)
    raise AssertionError(f"no {name} event")


@pytest.fixture
def operator_headers(headers):
    return headers("operator")


@pytest.fixture
def viewer_headers(headers):
    return headers("viewer")


@pytest.fixture
def store(client, operator_headers):
    """store([(device_id, ts, {key: value})]) through POST /api/telemetry/batch."""

    def post(readings):
        body = [{"device_id": d, "ts": ts, "values": values} for d, ts, values in readings]
        for i in range(0, len(body), 2000):
            response = client.post("/api/telemetry/batch", json=body[i:i + 2000],
                                   headers=operator_headers)
            assert response.status_code == 201, response.get_json()
            assert not response.get_json()["rejected"], response.get_json()

    return post


@pytest.fixture
def api(client, viewer_headers):
    """api(path, **query) -> JSON of a 200 GET as a viewer."""

    def get(path, **query):
        response = client.get(path, query_string=query, headers=viewer_headers)
        assert response.status_code == 200, (path, response.get_json())
        return response.get_json()

    return get


@pytest.fixture
def make_districts(app):
    """make_districts([(id, name, kind, population, geometry)]) under a city asset."""

    def make(rows, city_id: str = "city"):
        with app.app_context():
            if db.session.get(Asset, city_id) is None:
                db.session.add(Asset(id=city_id, type="city", name="Testville", geometry=None,
                                     properties={"population": sum(r[3] for r in rows)}))
                db.session.flush()
            db.session.add_all(Asset(id=i, type="district", name=n, geometry=g,
                                     parent_id=city_id, properties={"kind": k, "population": p})
                               for i, n, k, p, g in rows)
            db.session.commit()
            db.session.remove()
        return {r[0]: r for r in rows}

    return make


@pytest.fixture
def live(app, login):
    """live(*rooms, role="viewer") -> a connected Socket.IO client that joined the rooms."""

    def connect(*rooms, role="viewer"):
        client = socket(app, login(role)["access_token"])
        assert client.is_connected()
        for room in rooms:
            assert client.emit("join_room", {"room": room}, callback=True)["ok"], room
        return client

    return connect
