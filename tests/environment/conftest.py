"""Helpers for the environment API tests: a small city (districts with residents, stations in
them) and readings stored through the batch API at chosen hours."""

import pytest

from smartcity.assets.models import Asset
from smartcity.extensions import db
from smartcity.timeutil import now_ms

HOUR = 3_600_000
DAY = 24 * HOUR


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat],
                                                [lon + size, lat + size], [lon, lat + size],
                                                [lon, lat]]]}


@pytest.fixture
def end_hour():
    """A whole hour a day ago: the end of the reporting hour the tests ask about."""
    return now_ms() // HOUR * HOUR - DAY


@pytest.fixture
def districts(app):
    """Three districts of different types and sizes."""
    rows = [("district-n", "North", "residential", 10_000, square(7.00, 45.02)),
            ("district-c", "Centre", "mixed", 30_000, square(7.00, 45.00)),
            ("district-i", "Docks", "industrial", 2_000, square(7.02, 45.00))]
    with app.app_context():
        db.session.add(Asset(id="city", type="city", name="Testville", geometry=None,
                             properties={"population": 42_000}))
        db.session.flush()
        db.session.add_all(Asset(id=i, type="district", name=n, geometry=g, parent_id="city",
                                 properties={"kind": k, "population": p})
                           for i, n, k, p, g in rows)
        db.session.commit()
        db.session.remove()
    return {r[0]: r for r in rows}


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
