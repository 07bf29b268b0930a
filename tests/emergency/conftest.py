from tests.roadkit import road_city  # noqa: F401
