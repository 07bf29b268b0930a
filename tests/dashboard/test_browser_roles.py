"""Admin · roles in a real browser: create a custom role from the permission matrix, give it to
a user scoped to a domain, see it take effect through the API, remove it; axe in both themes."""

from playwright.sync_api import expect

from tests.browser import shoot


def test_admin_creates_a_scoped_role_and_assigns_it(admin, city, no_console_errors,
                                                    axe_in_both_themes):
    no_console_errors(admin)
    page = admin.goto("/admin/roles")
    table = page.locator("#admin-root table").filter(has_text="built-in").first
    table.get_by_role("cell", name="*:read *:write", exact=True).wait_for()

    form = page.locator("#role-form")
    form.get_by_label("Role name").fill("waste-operator")
    form.get_by_label("Description").fill("runs the waste service")
    for permission in ("waste: write", "devices: write", "device_control: write"):
        form.get_by_label(permission, exact=True).check()
    form.get_by_role("button", name="Create role").click()
    page.get_by_role("button", name="Delete role waste-operator").wait_for()
    role = next(r for r in city.api("GET", "/api/roles")["items"] if r["name"] == "waste-operator")
    assert role["permissions"] == ["device_control:write", "devices:write", "waste:write"]

    assign = page.locator("#assign-form")
    viewer = next(u for u in city.api("GET", "/api/users")["items"]
                  if u["username"] == "ui-viewer")
    assign.get_by_label("User").select_option(str(viewer["id"]))
    page.get_by_text("No custom roles: the built-in role alone.").wait_for()
    assign.get_by_label("Custom role").select_option(str(role["id"]))
    assign.get_by_label("waste", exact=True).check()
    assign.get_by_role("button", name="Assign role").click()
    page.get_by_role("cell", name="domains: waste", exact=True).wait_for()
    assert city.api("GET", f"/api/users/{viewer['id']}/roles")["assignments"] == [
        {"role_id": role["id"], "role": "waste-operator", "domains": ["waste"],
         "device_groups": None}]
    row = page.locator("#admin-root tr", has=page.get_by_role("cell", name="waste-operator",
                                                              exact=True))
    expect(row.get_by_role("cell").nth(3)).to_have_text("1")  # one holder
    assert axe_in_both_themes(page) == {}
    page.locator(".permission-matrix").evaluate("el => { el.scrollTop = 0 }")
    page.evaluate("() => window.scrollTo(0, 0)")
    desktop = page.viewport_size
    for name, size in (("desktop", desktop), ("tablet", {"width": 820, "height": 1180})):
        page.set_viewport_size(size)
        for theme in ("light", "dark"):
            page.evaluate("t => { document.documentElement.dataset.theme = t }", theme)
            shoot(page, f"admin-roles-{name}-{theme}")
    page.set_viewport_size(desktop)
    page.evaluate("() => { document.documentElement.dataset.theme = 'light' }")

    page.get_by_role("button", name="Remove waste-operator from ui-viewer").click()
    page.get_by_text("No custom roles: the built-in role alone.").wait_for()
    assert city.api("GET", f"/api/users/{viewer['id']}/roles")["assignments"] == []
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete role waste-operator").click()
    page.get_by_role("button", name="Delete role waste-operator").wait_for(state="detached")
    assert "waste-operator" not in [r["name"] for r in city.api("GET", "/api/roles")["items"]]


def test_roles_are_an_admin_section_only(operator, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/admin/roles")
    page.get_by_text("You do not have access to this section.").wait_for()
