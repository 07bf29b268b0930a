"""A small stored water network for the water tests: two DMAs and their devices."""

import pytest

from smartcity.assets.models import Asset
from smartcity.devices.service import create_device
from smartcity.extensions import db
from tests.domain import square


@pytest.fixture
def dmas(app):
    with app.app_context():
        for n, population in ((1, 10_000), (2, 3000)):
            db.session.add(Asset(id=f"dma-{n}", type="dma", name=f"DMA {n}",
                                 geometry=square(9.0 + n / 100, 45.0),
                                 properties={"population": population, "mains_km": 20.0,
                                             "connections": 4000}))
        db.session.flush()
        for device_id, kind, dma, meta in (
                ("wm-1", "water_meter", "dma-1", {"role": "inlet"}),
                ("wm-b", "water_meter", "dma-1", {"role": "bulk"}),
                ("ps-1", "pressure_sensor", "dma-1", {"point": "critical"}),
                ("valve-1", "water_valve", "dma-1", {"role": "inlet"}),
                ("wm-2", "water_meter", "dma-2", {"role": "inlet"}),
                ("wq-1", "water_quality_sensor", "dma-1", {})):
            create_device({"id": device_id, "type": kind, "asset_id": dma, "metadata": meta,
                           "location": {"lat": 45.001, "lon": 9.011}})
        db.session.commit()
        db.session.remove()
