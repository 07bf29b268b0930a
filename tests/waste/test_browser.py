"""The Waste page in a real browser (Debian's chromium through Playwright): a live
`run.py serve` on the test database with the demo city's assets and 12 of its bins, each with
a few hours of fill levels.

Screenshot: docs/screenshots/waste.png.
"""

import time

import pytest

from tests.broker import wait_until
from tests.browser import axe_violations, serve, shoot, store_city_and_users, store_fleet

HOUR = 3_600_000
N_BINS = 12


def _store_bins(database_url: str) -> dict[str, float]:
    """12 demo bins; bin k fills at (k + 1) % per hour and stands at 20 + 6 k % now."""
    from smartcity.simulator.city import generate_city
    from smartcity.telemetry.points import Point

    specs = sorted((d for d in generate_city(42).devices if d.type == "smart_bin"),
                   key=lambda d: int(d.id.split("-")[1]))[:N_BINS]
    now, levels, points = int(time.time() * 1000), {}, []
    for k, spec in enumerate(specs):
        levels[spec.id] = 20 + 6 * k
        points += [Point(spec.id, "fill_level", now - i * HOUR // 2,
                         levels[spec.id] - (k + 1) * i / 2, None) for i in range(8)]
    store_fleet(database_url, specs, points, timeout=30)
    return levels


@pytest.fixture(scope="module")
def city(database_url, tmp_path_factory):
    store_city_and_users(database_url)
    levels = _store_bins(database_url)
    with serve(database_url, tmp_path_factory.mktemp("waste-server"), "ui-operator") as running:
        running.levels = levels
        yield running


def band(level: float) -> str:
    return "empty" if level < 50 else "filling" if level < 80 else "high" if level < 90 else "full"


def test_the_page_shows_bins_by_fill_and_plans_routes_per_truck(operator, city):
    page = operator.goto("/waste")
    page.wait_for_selector(f"#waste-map[data-markers='{N_BINS}']")
    for bin_id, level in city.levels.items():
        marker = page.locator(f".bin-marker[data-bin-id={bin_id}]")
        assert marker.get_attribute("data-band") == band(level)
    fullest = max(city.levels, key=city.levels.get)
    assert page.locator("#waste-bins tbody tr").first.get_attribute("data-id") == fullest
    page.fill("#trucks", "2")
    page.fill("#threshold_pct", "50")
    page.fill("#horizon_h", "0")
    page.fill("#time_limit_s", "1")
    page.click("#waste-plan")
    page.wait_for_selector("#waste-map[data-routes]")
    due = [b for b, level in city.levels.items() if level >= 50]
    routed = page.locator("#waste-routes tbody tr td:last-child").all_inner_texts()
    assert sorted(b for text in routed for b in text.split(" → ") if b != "—") == sorted(due)
    assert "nearest neighbour" in page.inner_text("#waste-plan-result")
    assert page.locator("path.waste-route").count() == int(
        page.locator("#waste-map").get_attribute("data-routes")) >= 1
    shoot(page, "waste", full_page=True)
    assert operator.errors == []


def test_a_new_level_reaches_the_open_page_live(operator, city):
    page = operator.goto("/waste")
    first = min(city.levels, key=city.levels.get)
    page.wait_for_selector(f".bin-marker[data-bin-id={first}][data-band=empty]")
    city.api("PUT", f"/api/waste/bins/{first}/update-level", json={"fill_level": 95})
    page.wait_for_selector(f".bin-marker[data-bin-id={first}][data-band=full]")
    assert operator.errors == []


def test_the_overview_has_the_bins_tile(operator, city):
    page = operator.goto("/")
    tile = page.locator("[data-tile=bins-full]")
    tile.locator(".tile-number").wait_for()
    wait_until(lambda: tile.locator(".tile-number").inner_text() != "—", timeout=10)
    above = sum(1 for b in city.api("GET", "/api/waste/bins")["items"] if b["level"] >= 80)
    assert tile.locator(".tile-number").inner_text() == str(above)
    assert tile.get_by_role("link", name="Bins above 80 %").get_attribute("href") == "/waste"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_page_has_no_serious_accessibility_violations(operator, theme):
    page = operator.goto("/waste")
    page.wait_for_selector(f"#waste-map[data-markers='{N_BINS}']")
    page.evaluate("t => { document.documentElement.dataset.theme = t }", theme)
    assert axe_violations(page) == []
