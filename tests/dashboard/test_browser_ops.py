"""What an operator meets around the charts (#19): history loading said out loud, the demo
gateway staying online, the map's legend and theme, admin paging, one sign-in for all tabs,
vehicle tracks, command and configuration forms, rule pickers."""

import time

import requests


def test_the_overview_says_history_is_loading_until_it_is_done(operator, city, no_console_errors,
                                                                 screenshot):
    no_console_errors(operator)
    body = {"done": 0, "total": 5000, "label": "7 days of history"}
    city.api("PUT", "/api/jobs/progress/history", json=body)
    city.api("PUT", "/api/jobs/progress/history", json={**body, "done": 2100})
    page = operator.goto("/")
    banner = page.locator("#history-banner")
    banner.get_by_text("7 days of history loading: 42%").wait_for()
    assert page.get_attribute("#history-bar", "value") == "42"
    page.locator("#weekly table").wait_for()
    screenshot(page, "overview-history-loading")
    city.api("PUT", "/api/jobs/progress/history", json={**body, "done": 5000, "finished": True})
    page.wait_for_selector("body[data-history=done]", timeout=15_000)  # polled every 5 s
    assert banner.is_hidden()


def test_a_gateway_that_forwards_batches_stays_online(operator, city, no_console_errors):
    no_console_errors(operator)
    city.device("gw-1", "gateway", "Old town gateway", 0.004, -0.002)
    city.api("POST", "/api/devices", json={"id": "bin-1", "type": "smart_bin",
                                           "gateway_id": "gw-1", "name": "Square bin"})
    answer = requests.post(f"{city.url}/api/telemetry/batch", timeout=10,
                           headers={"X-API-Key": city.keys["gw-1"]}, json=[
                               {"device_id": "bin-1", "ts": int(time.time() * 1000),
                                "values": {"fill_level": 35}}])
    assert answer.status_code == 201
    page = operator.goto("/")
    row = page.locator("#by-domain tbody tr", has_text="infrastructure")
    row.wait_for()
    assert [c.strip() for c in row.locator("td").all_inner_texts()] == [
        "infrastructure", "1", "1", "0"]


ALARM_RED = "#c0142b"


def test_the_map_keeps_red_for_alarms_and_turns_dark_with_the_theme(operator, no_console_errors,
                                                                   screenshot):
    no_console_errors(operator)
    page = operator.goto("/map")
    page.wait_for_selector("#map[data-markers]")
    page.locator("#legend").get_by_text("Stations (city layer)").wait_for()
    city_shapes = page.evaluate("""() => [...document.querySelectorAll(
        '.leaflet-overlay-pane path:not(.device-marker)')].flatMap(p =>
        [p.getAttribute('stroke'), p.getAttribute('fill')])""")
    assert ALARM_RED not in city_shapes and "#b00020" not in city_shapes
    page.get_by_label("Colour devices by").select_option("aqi")
    page.wait_for_selector("#map[data-colour-by=aqi]")
    backgrounds = page.evaluate("""() => [...document.querySelectorAll('#legend .swatch')]
        .map(s => getComputedStyle(s).backgroundColor)""")
    assert "rgb(192, 20, 43)" not in backgrounds  # the bands leave red to alarms
    page.locator("#legend").get_by_text("Red ring: active alarm").wait_for()
    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme=dark]")
    try:
        assert page.evaluate("getComputedStyle(document.querySelector('.leaflet-container'))"
                             ".backgroundColor") == "rgb(27, 35, 45)"
        assert "invert(1)" in page.evaluate(
            "getComputedStyle(document.querySelector('.leaflet-tile-pane')).filter")
        screenshot(page, "map-dark")
    finally:
        page.click("#theme-toggle")
        page.wait_for_selector("html[data-theme=light]")


def test_admin_pages_through_and_searches_the_registry(admin, city, no_console_errors):
    no_console_errors(admin)
    for n in range(52):
        city.api("POST", "/api/devices", json={"id": f"lamp-x{n:02d}", "type": "streetlight",
                                               "name": f"Avenue light {n}"})
    page = admin.goto("/admin/devices")
    count = page.locator("#admin-device-count")
    page.get_by_text("50 devices shown; more below.").wait_for()
    assert page.locator("#admin-root table tbody tr").count() == 50
    page.get_by_role("button", name="Load more").click()
    total = len(city.keys) + 1 + 52  # with the gateway's bin and the lights
    page.get_by_text(f"{total} devices shown.").wait_for()
    assert page.get_by_role("button", name="Load more").is_hidden()
    search = page.locator("#admin-device-search")
    search.get_by_label("Search id or name").fill("Avenue light 4")
    search.get_by_role("button", name="Search").click()
    page.get_by_text("11 devices shown.").wait_for()  # light 4 and lights 40-49
    assert count.inner_text() == "11 devices shown."


def test_on_a_tablet_tables_fit_and_row_buttons_stay_in_a_row(new_session, no_console_errors,
                                                            screenshot):
    session = new_session("ui-admin", viewport={"width": 820, "height": 1180}, has_touch=True,
                          is_mobile=True)
    no_console_errors(session)
    page = session.goto("/admin/devices")
    page.locator("#admin-root tbody tr .row-actions").first.wait_for()
    tops = page.evaluate("""() => [...document.querySelectorAll('#admin-root tbody tr')]
        .slice(0, 5).map(r => new Set([...r.querySelectorAll('.row-actions button')]
        .map(b => Math.round(b.getBoundingClientRect().top))).size)""")
    assert tops == [1] * len(tops)
    overflow = page.evaluate("""() => [...document.querySelectorAll('.table-wrap')]
        .map(w => w.scrollWidth - w.clientWidth)""")
    assert max(overflow) <= 1, overflow
    screenshot(page, "admin-tablet")
    page = session.goto("/environment")
    page.locator("#env-table table").wait_for()
    overflow = page.evaluate("""() => [...document.querySelectorAll('.table-wrap')]
        .map(w => w.scrollWidth - w.clientWidth)""")
    assert max(overflow) <= 1, overflow


def test_a_link_opened_in_a_new_tab_is_signed_in_and_sign_out_ends_every_tab(
        new_session, city, no_console_errors):
    session = new_session("ui-viewer")
    no_console_errors(session)
    tab = session.context.new_page()  # a second tab of the same browser
    tab.goto(f"{city.url}/devices/aq-1")
    tab.wait_for_selector("body[data-role=viewer] #conn[data-state=online]")
    assert "/login" not in tab.url
    # the refresh token is out of scripts' reach: they see only that a sign-in exists
    assert tab.evaluate("document.cookie") == "smartcity_signed_in=1"
    assert tab.evaluate("sessionStorage.length + localStorage.length") <= 1  # at most the theme
    before = len(session.errors)
    session.page.click("#logout")
    session.page.wait_for_url("**/login")
    # A request already in flight when the tokens are revoked may come back 401 (which the
    # browser logs): that is sign-out working, not a page error. Anything else still fails.
    session.errors[before:] = [e for e in session.errors[before:] if "status of 401" not in e]
    tab.reload()
    tab.wait_for_url("**/login?next=%2Fdevices%2Faq-1")


def test_the_configuration_panel_is_a_form_of_the_types_settings(operator, city,
                                                                 no_console_errors, screenshot):
    no_console_errors(operator)
    page = operator.goto("/devices/lamp-1")
    form = page.locator("#config-form")
    dim = form.get_by_label("Dim level (%)")
    dim.wait_for()
    assert (dim.get_attribute("min"), dim.get_attribute("max")) == ("0", "100")
    assert "0–100 %" in form.inner_text() and "Report interval (s)" in form.inner_text()
    assert page.locator("#config-json").count() == 0  # no raw JSON box
    dim.fill("35")
    form.get_by_role("button", name="Send configuration").click()
    row = page.locator("#config tbody tr", has_text="Dim level")
    row.wait_for()
    assert row.locator("td").nth(1).inner_text() == "35 %"
    assert city.api("GET", "/api/devices/lamp-1/attributes")["desired"]["values"] == {
        "dim_level": 35}
    page.locator("#config").scroll_into_view_if_needed()
    screenshot(page, "device-config")


def test_a_vehicle_page_draws_its_track_instead_of_charts_of_degrees(operator, city,
                                                                     no_console_errors, screenshot):
    no_console_errors(operator)
    now = int(time.time() * 1000)
    lat, lon = city.centre["lat"], city.centre["lon"]
    city.api("POST", "/api/telemetry/batch", json=[
        # a second apart up to now: newer than the fixture's reading however soon this runs
        {"device_id": "bus-1", "ts": now - (4 - i) * 1_000,
         "values": {"lat": lat + 0.001 * i, "lon": lon + 0.0015 * i, "speed": 20 + i}}
        for i in range(5)])
    page = operator.goto("/devices/bus-1")
    page.wait_for_selector("#track[data-positions]")
    assert int(page.get_attribute("#track", "data-positions")) >= 5
    assert page.locator(".chart[data-key=lat], .chart[data-key=lon]").count() == 0
    page.wait_for_selector(".chart[data-key=speed]")
    latitude = page.locator("#latest tbody tr", has_text="Latitude").locator("td.num")
    assert latitude.inner_text() == f"{lat + 0.004:.5f} °"  # not "45"
    before = int(page.get_attribute("#track", "data-positions"))  # read before it can change
    city.reading("bus-1", {"lat": lat + 0.006, "lon": lon + 0.009, "speed": 30})
    page.wait_for_function("n => Number(document.querySelector('#track').dataset.positions) > n",
                           arg=before)
    page.locator("#track-card").scroll_into_view_if_needed()
    screenshot(page, "device-vehicle")
