import pytest

from smartcity.simulator.city import generate_city


@pytest.fixture(scope="session")
def city():
    """The demo city of seed 42 (pure: tests must not change it)."""
    return generate_city(42)
