"""The Transport page in a real browser (Debian's chromium through Playwright): a live
`run.py serve` on the test database with the demo city's assets and its 30 vehicles, each
with 40 minutes of simulated readings every 10 s (so buses pass stops on the derived
timetable and count passengers); a new reading moves its marker live.

Screenshot: docs/screenshots/transport.png.
"""

import time

import pytest

from tests.browser import Session, axe_violations, serve, shoot, store_city_and_users, store_fleet


def _store_vehicles(database_url: str) -> list[str]:
    """The demo city's vehicles with one simulated reading each."""
    from smartcity.simulator.city import generate_city
    from smartcity.simulator.fleet import Fleet
    from smartcity.telemetry.points import Point

    city = generate_city(42)
    specs = [d for d in city.devices if d.type == "vehicle"]
    fleet = Fleet(42, city=city, ids={s.id for s in specs})
    end = int(time.time()) * 1000 - 60_000
    points = []
    for ts in range(end - 40 * 60_000, end + 1, 10_000):
        for device_id, values in fleet.sample_all(ts / 1000):
            points += [Point(device_id, k, ts, float(v), None) if isinstance(v, int | float)
                       else Point(device_id, k, ts, None, str(v)) for k, v in values.items()]
    store_fleet(database_url, specs, points)
    return sorted(s.id for s in specs)


@pytest.fixture(scope="module")
def city(database_url, tmp_path_factory):
    store_city_and_users(database_url)
    ids = _store_vehicles(database_url)
    with serve(database_url, tmp_path_factory.mktemp("transport-server")) as running:
        running.vehicle_ids = ids
        yield running


@pytest.fixture(scope="module")
def viewer(chromium, city):  # noqa: F811 - the imported fixture
    session = Session(chromium, city, "ui-viewer")
    session.context.set_default_timeout(60_000)  # a loaded 2-core machine runs other suites too
    session.sign_in()
    yield session
    session.close()


def test_vehicles_on_the_map_and_in_the_table_move_live(viewer, city):
    assert len(city.vehicle_ids) == 30
    page = viewer.goto("/transport")
    page.wait_for_selector("#transport-map[data-vehicles='30']")
    assert page.locator("#transport-vehicles tbody tr").count() == 30
    assert page.locator("#transport-map path.leaflet-interactive").count() >= 30 + 5  # + lines
    # beside the map: the five lines' delays and the stops where the buses counted boardings
    lines = page.locator("#transport-lines tbody tr")
    assert lines.count() == 5
    assert sum(int(x) for x in page.locator(
        "#transport-lines tbody td:nth-child(2)").all_inner_texts()) > 0  # trips matched
    assert page.locator("#transport-stops tbody tr[data-id]").count() > 0
    assert page.locator("[data-tile=transport-on-time] .tile-unit").inner_text() == "%"
    moved = city.vehicle_ids[0]
    city.api("POST", "/api/telemetry/batch", json=[
        {"device_id": moved, "ts": int(time.time() * 1000), "values": {"lat": 0.5, "lon": 0.5}}])
    # the marker leaves the city for (0.5, 0.5): the map's bounds no longer hold it
    page.wait_for_function(
        "() => [...document.querySelectorAll('#transport-map path.transport-vehicle')]"
        ".some(p => { const r = p.getBoundingClientRect(); return r.width === 0 || "
        "r.x < 0 || r.y < 0 || r.x > innerWidth || r.y > innerHeight; })")
    shoot(page, "transport", full_page=True)
    assert viewer.errors == []


def test_the_overview_has_the_vehicles_in_service_tile(viewer):
    page = viewer.goto("/")
    page.locator("[data-tile=vehicles-in-service] .tile-number").wait_for()
    page.wait_for_function("() => document.querySelector('[data-tile=vehicles-in-service] "
                           ".tile-number').textContent !== '—'")
    link = page.locator("[data-tile=vehicles-in-service]").get_by_role(
        "link", name="Vehicles in service")
    assert link.get_attribute("href") == "/transport"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_page_has_no_serious_accessibility_violations(viewer, theme):
    page = viewer.goto("/transport")
    page.wait_for_selector("#transport-map[data-vehicles='30']")
    page.evaluate("t => { document.documentElement.dataset.theme = t }", theme)
    assert axe_violations(page) == []
