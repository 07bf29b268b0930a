"""The environment tests' small city (districts with residents); store, api and the headers
come from the test kit (tests/domain.py)."""

import pytest

from smartcity.timeutil import now_ms
from tests.domain import DAY, HOUR, square


@pytest.fixture
def end_hour():
    """A whole hour a day ago: the end of the reporting hour the tests ask about."""
    return now_ms() // HOUR * HOUR - DAY


@pytest.fixture
def districts(make_districts):
    """Three districts of different types and sizes."""
    return make_districts([
        ("district-n", "North", "residential", 10_000, square(7.00, 45.02)),
        ("district-c", "Centre", "mixed", 30_000, square(7.00, 45.00)),
        ("district-i", "Docks", "industrial", 2_000, square(7.02, 45.00))])
