"""Transport tests' shared fixtures: the demo city's network, stored."""

import pytest

from smartcity.assets.models import Asset
from smartcity.extensions import db
from smartcity.simulator.city import generate_city


@pytest.fixture(scope="module")
def demo():
    return generate_city(42)


@pytest.fixture
def network(app, demo):
    """The demo city's city, bus line and bus stop assets, stored."""
    with app.app_context():
        db.session.add_all(Asset(id=a.id, type=a.type, name=a.name, geometry=a.geometry,
                                 properties=a.properties)
                           for a in demo.assets.values()
                           if a.type in ("city", "bus_line", "bus_stop"))
        db.session.commit()
        db.session.remove()
    return demo
