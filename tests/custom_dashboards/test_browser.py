"""An operator builds a dashboard in the browser: three widget types, saved, reloaded, a published
reading arriving live, export and re-import, a viewer who cannot edit, a public link."""

import json

import requests


def add_widget(page, kind, title, devices=(), keys=(), **fields):
    page.click("#add-widget")
    dialog = page.locator("dialog[open]")
    dialog.locator("#w-type").select_option(kind)
    dialog.locator("#w-title").fill(title)
    if devices:
        dialog.locator("#w-device").select_option(list(devices))
        dialog.locator("#w-keys").select_option(list(keys))
    for name, value in fields.items():
        dialog.locator(f"#w-{name}").fill(str(value))
    dialog.get_by_role("button", name="Save widget").click()
    page.locator(f".widget h2:text-is('{title}')").wait_for()


def test_build_save_reload_live_export_import_share(operator, viewer, chromium, city,
                                                    no_console_errors, screenshot,
                                                    axe_in_both_themes, tmp_path):
    no_console_errors(operator)
    page = operator.goto("/dashboards")
    page.fill("#new-title", "Old town")
    page.click("#new-board button[type=submit]")
    page.wait_for_url("**/dashboards/*?edit=1")
    page.locator("#add-widget").wait_for()
    add_widget(page, "value", "PM2.5 now", ["aq-1"], ["pm25"], threshold=25)
    add_widget(page, "timeseries", "PM2.5 today", ["aq-1"], ["pm25"])
    add_widget(page, "markdown", "Notes", text="# Shift notes\n- check **aq-1**")
    page.click("#edit-board")  # Done
    assert "edit" not in page.url

    page.reload()
    page.wait_for_selector("body[data-role] #conn[data-state=online]")
    widgets = page.locator(".widget")
    widgets.nth(2).wait_for()  # drawn once the data call answers, which may follow the socket
    assert widgets.count() == 3
    assert page.locator(".widget[data-type=timeseries] .chart canvas").count() == 1
    assert page.locator(".widget[data-type=markdown] li").inner_text() == "check aq-1"

    city.reading("aq-1", {"pm25": 61.5})
    value = page.locator(".widget[data-type=value] .number")
    value.filter(has_text="61.5").wait_for()
    assert page.locator(".widget[data-type=value] .unit").inner_text() == "µg/m³"
    screenshot(page, "custom-dashboard")
    assert axe_in_both_themes(page) == {}

    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    exported = tmp_path / "board.json"
    download.value.save_as(exported)
    document = json.loads(exported.read_text())
    assert document["version"] == 1 and len(document["dashboard"]["widgets"]) == 3
    page = operator.goto("/dashboards")
    page.set_input_files("#import-file", str(exported))
    page.wait_for_url("**/dashboards/*")
    page.locator(".widget").nth(2).wait_for()
    assert page.locator(".widget").count() == 3
    imported_url = page.url

    page.click("#share-board")
    dialog = page.locator("dialog[open]")
    dialog.locator("input[value=viewer]").check()
    dialog.locator("#save-share").click()
    page.get_by_text("Sharing saved").wait_for()
    dialog.locator("#publish").click()
    link = dialog.locator("#public-link a")
    link.wait_for()
    public_path = link.get_attribute("href")
    dialog.get_by_role("button", name="Close").click()

    no_console_errors(viewer)
    shared = viewer.goto(imported_url.replace(city.url, ""))
    shared.locator(".widget").nth(2).wait_for()
    assert shared.locator("#edit-board").count() == 0  # read-only for the viewer
    board_id = imported_url.rstrip("/").split("/")[-1].split("?")[0]
    refused = requests.put(f"{city.url}/api/dashboards/{board_id}", timeout=10,
                           headers={"Authorization": f"Bearer {city.login('ui-viewer')}"},
                           json={"title": "mine"})
    assert refused.status_code == 403

    anonymous = chromium.new_context()
    try:
        public = anonymous.new_page()
        errors = []
        public.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        public.goto(f"{city.url}{public_path}")
        public.locator(".widget").nth(2).wait_for()
        assert public.locator("#edit-board, #share-board").count() == 0
        assert "61.5" in public.locator(".widget[data-type=value] .number").inner_text()
        assert errors == []
    finally:
        anonymous.close()
