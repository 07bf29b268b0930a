"""The stored demo city for the waste tests."""

import pytest

from smartcity.extensions import db
from smartcity.simulator.seed import seed_city


@pytest.fixture
def city(app, tmp_path):
    with app.app_context():
        seed_city(tmp_path / "demo-keys.json")
        db.session.remove()
