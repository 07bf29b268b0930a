from tests.roadkit import road_city, road_devices  # noqa: F401
