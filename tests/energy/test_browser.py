"""The Energy page in a real browser (Debian's chromium through Playwright): a live
`run.py serve` on the test database with the demo city's assets, its energy devices and
weather stations, and three weeks of the simulator's hourly readings.

Screenshot: docs/screenshots/energy.png.
"""

import time

import pytest

from tests.browser import Session, axe_violations, serve, shoot, store_city_and_users, store_fleet

HOUR = 3_600_000
DAYS = 21
TYPES = ("energy_meter", "generator", "battery", "weather_station")


def _store_energy(database_url: str) -> int:
    """The demo city's energy devices and weather stations with 21 days of hourly readings."""
    from smartcity.simulator.city import generate_city
    from smartcity.simulator.fleet import Fleet
    from smartcity.telemetry.points import Point

    city = generate_city(42)
    specs = [d for d in city.devices if d.type in TYPES]
    fleet = Fleet(42, city=city, ids={s.id for s in specs})
    end = int(time.time() * 1000) // HOUR * HOUR
    points = []
    for i in range(DAYS * 24):
        ts = end - (DAYS * 24 - i) * HOUR
        for device_id, values in fleet.sample_all(ts / 1000):
            points += [Point(device_id, k, ts, float(v), None) for k, v in values.items()
                       if isinstance(v, int | float)]
    store_fleet(database_url, specs, points)
    return len(specs)


@pytest.fixture(scope="module")
def city(database_url, tmp_path_factory):
    store_city_and_users(database_url)
    _store_energy(database_url)
    with serve(database_url, tmp_path_factory.mktemp("energy-server")) as running:
        yield running


@pytest.fixture(scope="module")
def operator(chromium, city):  # noqa: F811 - the imported fixture
    session = Session(chromium, city, "ui-operator")
    # twice the kit's wait: the page backtests three forecast methods for every feeder
    session.context.set_default_timeout(60_000)
    session.sign_in()
    yield session
    session.close()


def test_the_page_shows_gauges_charts_forecast_band_carbon_and_balancing(operator):
    page = operator.goto("/energy")
    page.wait_for_selector("#energy-forecast polygon.band")
    assert page.locator(".feeder-gauges li").count() == 12
    assert page.locator("#energy-consumption polyline").count() == 2
    assert page.locator("#energy-forecast polyline[data-series=forecast]").count() == 1
    assert "seasonal naive" in page.inner_text("#energy-backtest")
    assert page.locator("#energy-carbon tbody tr").count() >= 7
    page.wait_for_selector("#energy-recommendations li")
    chosen = page.locator("#energy-feeder option").nth(3).inner_text()
    page.select_option("#energy-feeder", index=3)
    page.wait_for_function("name => document.querySelector('#energy-forecast figcaption')"
                           ".textContent.startsWith(name)", arg=chosen)
    shoot(page, "energy", full_page=True)
    assert operator.errors == []


def test_the_overview_has_the_grid_and_renewables_tiles(operator):
    page = operator.goto("/")
    for name in ("grid-load", "renewables"):
        tile = page.locator(f"[data-tile={name}]")
        tile.locator(".tile-number").wait_for()
        page.wait_for_function(
            f"document.querySelector('[data-tile={name}] .tile-number').textContent !== '—'")
    link = page.locator("[data-tile=grid-load]").get_by_role("link", name="Grid load")
    assert link.get_attribute("href") == "/energy"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_page_has_no_serious_accessibility_violations(operator, theme):
    page = operator.goto("/energy")
    page.wait_for_selector("#energy-forecast polygon.band")
    page.evaluate("t => { document.documentElement.dataset.theme = t }", theme)
    assert axe_violations(page) == []
