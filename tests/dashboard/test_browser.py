"""The dashboard in a real browser (see tests/browser.py for the live server and sessions)."""

import csv
import io
import json
import threading
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import requests

from tests.broker import TESTER, wait_until
from tests.browser import AXE, Session, shoot

PAGES = ["/login", "/", "/map", "/devices", "/devices/aq-1", "/alerts", "/admin/devices",
         "/admin/groups", "/admin/users", "/admin/service-accounts", "/admin/rules"]


def test_login_keeps_the_session_across_reloads(operator, no_console_errors):
    no_console_errors(operator)
    page = operator.page
    assert page.inner_text("#who") == "ui-operator (operator)"
    page.reload()  # the access token was in memory only: the refresh token signs us in again
    page.wait_for_selector("body[data-role=operator]")
    assert page.url == f"{operator.city.url}/"


def test_an_overview_tile_changes_after_an_mqtt_reading(operator, city, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/")
    online = page.locator("[data-tile=devices-online] .tile-number")
    page.wait_for_function("() => document.body.dataset.overviewTs")
    page.locator("#by-domain tbody tr").first.wait_for()
    before = int(online.inner_text())
    city.reading("aq-new", {"pm25": 12.5, "pm10": 19})
    page.wait_for_function(
        "n => Number(document.querySelector('[data-tile=devices-online] .tile-number')"
        ".textContent) === n", arg=before + 1)
    assert page.locator("#conn").get_attribute("data-state") == "online"
    assert page.inner_text("#last-updated") != "—"
    page.locator("#weekly table").wait_for()
    shoot(page, "overview")


def test_the_map_shows_city_layers_and_device_markers(operator, city, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/map")
    page.wait_for_selector("#map[data-markers]")
    assert page.locator(".device-marker").count() == len(city.keys) == 6
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() > 6  # districts
    assert "Districts" in page.inner_text(".leaflet-control-layers")
    page.locator(".device-marker[data-device-id=aq-1]").click()
    popup = page.locator(".leaflet-popup-content")
    popup.get_by_text("PM2.5").wait_for()
    assert "µg/m³" in popup.inner_text()
    assert popup.get_by_role("link", name="Open device page").get_attribute(
        "href") == "/devices/aq-1"
    page.wait_for_function(  # the popup has faded in
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    shoot(page, "map")
    page.get_by_label("Colour devices by").select_option("pm25")
    page.wait_for_selector("#map[data-colour-by=pm25]")
    aq1 = page.locator(".device-marker[data-device-id=aq-1]")
    assert aq1.get_attribute("fill") == "#9a8700"  # 14 µg/m³: the second band (12-35.4)
    no_value = page.locator(".device-marker[data-device-id=lamp-1]")  # a streetlight: no pm25
    assert no_value.get_attribute("fill") == "#6b7280"


def test_a_vehicle_moves_live_on_the_map(operator, city, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/map")
    page.wait_for_selector("#map[data-markers]")
    bus = page.locator(".device-marker[data-device-id=bus-1]")
    before = bus.get_attribute("d")
    city.reading("bus-1", {"lat": city.centre["lat"] - 0.004, "lon": city.centre["lon"],
                           "speed": 31})
    page.wait_for_function(
        "d => document.querySelector('.device-marker[data-device-id=bus-1]')"
        ".getAttribute('d') !== d", arg=before)


def test_the_device_list_searches_and_links_to_device_pages(operator, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/devices")
    rows = page.locator("#device-table tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 6
    assert page.get_by_role("button", name="Load more").is_hidden()  # one page holds them all
    shoot(page, "devices")
    page.get_by_label("Search").fill("air")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("() => document.querySelectorAll('#device-table tbody tr').length === 2")
    assert page.url.endswith("/devices?q=air")
    page.get_by_role("link", name="Harbour air").click()
    page.wait_for_selector("#device-title:text('Harbour air')")


def test_a_device_chart_draws_and_csv_downloads(operator, no_console_errors, tmp_path):
    no_console_errors(operator)
    page = operator.goto("/devices/aq-1")
    pm25 = page.locator(".chart[data-key=pm25]")
    page.wait_for_selector("#charts[data-range='1h'] .chart[data-key=pm25] canvas")
    assert int(pm25.get_attribute("data-points")) >= 10  # one-minute rollups of the last hour
    page.get_by_role("button", name="24 h").click()
    page.wait_for_selector("#charts[data-range='24h']")
    assert int(pm25.get_attribute("data-points")) >= 90  # quarter-hour rollups of the day
    page.locator("#latest tbody tr").first.wait_for()
    shoot(page, "device", full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename == "aq-1-telemetry.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert rows[0] == ["device_id", "key", "ts", "time", "value"]
    assert len(rows) > 800 and {r[1] for r in rows[1:]} >= {"pm25", "pm10", "no2"}


def test_a_command_from_the_device_page_reaches_the_device_and_its_status_updates(
        operator, city, no_console_errors):
    no_console_errors(operator)
    received = []

    def on_message(client, _userdata, message):
        command = json.loads(message.payload)
        received.append(command)
        for status in ("delivered", "succeeded"):
            client.publish(f"devices/lamp-1/commands/{command['id']}/response",
                           orjson.dumps({"status": status, "result": {"level": 40}}), qos=1)

    lamp = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="lamp-1",
                       protocol=mqtt.MQTTv5)
    lamp.on_message = on_message
    subscribed = threading.Event()
    lamp.on_subscribe = lambda *_args: subscribed.set()
    lamp.username_pw_set(*TESTER)
    lamp.connect("127.0.0.1", city.broker["port"])
    lamp.loop_start()
    try:
        lamp.subscribe("devices/lamp-1/commands/+", qos=1)
        assert subscribed.wait(10)
        lamp.publish("devices/lamp-1/status", "online", qos=1).wait_for_publish(10)
        wait_until(lambda: city.api("GET", "/api/devices/lamp-1")["connectivity"] == "online")
        page = operator.goto("/devices/lamp-1")
        form = page.locator("form[data-command=set_dim_level]")
        level = form.get_by_label("level (%)")
        assert (level.get_attribute("min"), level.get_attribute("max")) == ("0", "100")
        assert form.get_by_text("0–100 %").is_visible()  # the range, next to the field
        level.fill("40")
        form.get_by_role("button", name="set dim level").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_text("Send set dim level (level 40 %) to Old town light?").wait_for()
        dialog.get_by_role("button", name="Send").click()
        page.wait_for_selector("#commands [data-command-status=succeeded]")
        trail = page.locator("#commands tbody tr").first.locator(".cmd-trail").inner_text()
        assert "sent" in trail and "delivered" in trail and "succeeded" in trail, trail
        assert received and received[0]["name"] == "set_dim_level"
        assert received[0]["params"] == {"level": 40.0}
        page.locator("#commands").scroll_into_view_if_needed()
        shoot(page, "device-command")
    finally:
        lamp.disconnect()
        lamp.loop_stop()


def test_an_alarm_raised_by_a_published_reading_appears_live_and_is_acked(
        operator, city, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/alerts")
    page.locator("#alarm-feed .alarm-list").wait_for()
    city.reading("aq-2", {"pm25": 180})
    alarm = page.locator("li.alarm", has_text="PM2.5 very high")
    alarm.wait_for()
    assert alarm.get_attribute("data-status") == "active_unack"
    assert "critical" in alarm.inner_text() and "aq-2" in alarm.inner_text()
    shoot(page, "alerts")
    alarm.get_by_role("button", name="Acknowledge").click()
    page.locator("li.alarm[data-status=active_ack]", has_text="PM2.5 very high").wait_for()
    assert city.api("GET", "/api/alerts?status=active_ack")["items"][0]["originator_id"] == "aq-2"


def test_a_viewer_sees_no_actions(viewer, city, no_console_errors):
    no_console_errors(viewer)
    page = viewer.goto("/alerts")
    # the alarm acked above is still open
    page.locator("li.alarm", has_text="PM2.5 very high").wait_for()
    assert page.locator("#alarm-feed button").count() == 0
    assert page.locator("#nav a", has_text="Admin").count() == 0
    page = viewer.goto("/devices/lamp-1")
    page.locator("#commands tbody tr").first.wait_for()
    assert page.locator("#command-buttons").count() == 0
    assert page.locator("#config form").count() == 0
    assert page.locator("main button:not(.secondary)").count() == 0
    page = viewer.goto("/admin/devices")
    page.get_by_text("You do not have access to this section.").wait_for()
    assert page.locator("#admin-root form").count() == 0


def test_an_admin_registers_a_device_and_sees_its_key_once(admin, city, no_console_errors):
    no_console_errors(admin)
    page = admin.goto("/admin/devices")
    page.locator("#admin-root tbody tr").first.wait_for()
    form = page.locator("#create-device")
    form.get_by_label("Id").fill("bin-7")
    form.get_by_label("Name").fill("Market bin")
    form.get_by_label("Type").select_option("smart_bin")
    form.get_by_label("Latitude").fill(str(city.centre["lat"]))
    form.get_by_label("Longitude").fill(str(city.centre["lon"]))
    form.get_by_role("button", name="Register device").click()
    dialog = page.locator("#secret-dialog")
    dialog.wait_for()
    key = page.input_value("#secret-value")
    assert "." in key and len(key) > 30
    dialog.get_by_role("button", name="Copy").click()
    page.get_by_text("Copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    shoot(page, "admin-device-key")
    dialog.get_by_role("button", name="Done").click()
    page.locator("tr[data-id=bin-7]").wait_for()
    answer = requests.post(f"{city.url}/api/devices/heartbeat", headers={"X-API-Key": key},
                           timeout=10)
    assert answer.status_code == 200
    shoot(page, "admin")


def test_admin_manages_rules_accounts_roles_and_device_status(admin, city, no_console_errors):
    no_console_errors(admin)
    page = admin.goto("/admin/rules")
    form = page.locator("#rule-form")
    form.get_by_label("Name").fill("Bin nearly full")
    form.get_by_label("Scope", exact=True).select_option("device_type")
    form.get_by_label("Scope value").select_option("smart_bin")  # pickers, not free text
    assert form.get_by_label("Key").locator("option").all_inner_texts() == [
        "—", "fill_level", "temperature"]  # only what a smart bin sends
    form.get_by_label("Key").select_option("fill_level")
    form.get_by_text("Threshold (%)").wait_for()  # the key's unit
    form.get_by_label("Operator").select_option(">=")
    form.get_by_label("Threshold").fill("90")
    form.get_by_label("Severity").select_option("minor")
    form.get_by_role("button", name="Create rule").click()
    page.get_by_role("button", name="Disable Bin nearly full").click()
    page.get_by_role("button", name="Enable Bin nearly full").wait_for()
    rule = next(r for r in city.api("GET", "/api/alert-rules")["items"]
                if r["name"] == "Bin nearly full")
    assert (rule["key"], rule["operator"], rule["value"], rule["enabled"]) == (
        "fill_level", ">=", 90.0, False)

    page = admin.goto("/admin/service-accounts")
    page.get_by_label("Name").fill("alerts-bridge")
    page.get_by_role("button", name="Create service account").click()
    page.locator("#secret-dialog").wait_for()
    assert page.input_value("#secret-value").startswith("sa_")
    page.get_by_role("button", name="Done").click()
    page.get_by_role("button", name="Revoke alerts-bridge").wait_for()

    page = admin.goto("/admin/users")
    page.get_by_label("Role of ui-viewer").select_option("operator")
    page.get_by_text("ui-viewer is now operator").wait_for()
    page.get_by_label("Role of ui-viewer").select_option("viewer")
    page.get_by_text("ui-viewer is now viewer").wait_for()

    page = admin.goto("/admin/devices")
    page.get_by_role("button", name="Disable lamp-1").click()
    page.get_by_role("button", name="Enable lamp-1").wait_for()
    assert city.api("GET", "/api/devices/lamp-1")["status"] == "disabled"
    page.get_by_role("button", name="Enable lamp-1").click()
    page.get_by_role("button", name="Disable lamp-1").wait_for()


def test_admin_sections_list_their_records(admin, no_console_errors):
    no_console_errors(admin)
    for section, expected in [("users", "ui-viewer"), ("rules", "PM2.5 very high"),
                              ("service-accounts", "alerts-bridge"),
                              ("groups", "No groups yet.")]:
        page = admin.goto(f"/admin/{section}")
        page.locator("#admin-root table").get_by_role("cell", name=expected, exact=True).wait_for()
    shoot(page, "admin-groups")
    page = admin.goto("/admin/rules")
    page.locator("#admin-root table").get_by_text("PM2.5 very high").wait_for()
    shoot(page, "admin-rules")


def test_the_theme_toggle_switches_and_is_remembered(operator, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/")
    background = "getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(background)
    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme=dark]")
    dark = page.evaluate(background)
    assert dark != light
    page.reload()
    page.wait_for_selector("body[data-role]")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.locator("#weekly table").wait_for()
    shoot(page, "overview-dark")
    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme=light]")
    assert page.evaluate(background) == light


def test_on_a_tablet_the_navigation_folds_behind_the_menu_button(chromium, city):
    session = Session(chromium, city, "ui-operator", viewport={"width": 820, "height": 1180},
                      has_touch=True, is_mobile=True)
    try:
        session.sign_in()
        page = session.page
        nav = page.locator("#nav")
        assert not nav.is_visible()
        page.click("#nav-toggle")
        nav.get_by_role("link", name="Alerts").wait_for()
        assert page.get_attribute("#nav-toggle", "aria-expanded") == "true"
        page.click("#nav-toggle")
        page.locator("#weekly table").wait_for()
        page.wait_for_selector("#conn[data-state=online]")
        shoot(page, "overview-tablet")
        assert session.errors == []
    finally:
        session.close()




def test_axe_reports_a_serious_violation_when_there_is_one(admin):
    page = admin.goto("/alerts")
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")
    page.add_script_tag(url="/static/vendor/axe.min.js")
    assert "label" in [v["id"] for v in page.evaluate(AXE)]


def test_no_page_has_serious_accessibility_violations_in_either_theme(admin, no_console_errors):
    no_console_errors(admin)
    found = {}
    for path in PAGES:
        if path == "/login":
            # The login page is public: show it signed out in a page of its own.
            page = admin.context.new_page()
            page.goto(f"{admin.city.url}/login")
        else:
            page = admin.goto(path)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(url="/static/vendor/axe.min.js")
        for theme in ("light", "dark"):
            page.evaluate("t => { document.documentElement.dataset.theme = t }", theme)
            violations = page.evaluate(AXE)
            if violations:
                found[f"{path} ({theme})"] = violations
        if path == "/login":
            page.close()
    assert found == {}, json.dumps(found, indent=1)
