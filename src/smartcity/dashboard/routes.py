"""Dashboard pages: one server-rendered shell per page; ES modules fetch the data with a token."""

from flask import Blueprint, current_app, redirect, render_template, url_for

from smartcity.dashboard import tiles

bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")

ADMIN_SECTIONS = {"devices": "Devices", "groups": "Groups", "users": "Users",
                  "roles": "Roles", "service-accounts": "Service accounts",
                  "rules": "Alert rules", "notifications": "Notification log"}
NAV = [("overview", "Overview", "/", "viewer"), ("map", "City map", "/map", "viewer"),
       ("devices", "Devices", "/devices", "viewer"), ("alerts", "Alerts", "/alerts", "viewer"),
       ("boards", "Dashboards", "/dashboards", "viewer")]


@bp.app_context_processor
def shell_context():
    """Navigation (built-in pages, then the domains' registered pages) for every shell page."""
    nav = [{"name": n, "title": t, "url": u, "min_role": r} for n, t, u, r in NAV]
    nav += [{"name": p.name, "title": p.title, "url": p.url, "min_role": p.min_role}
            for p in tiles.pages(current_app)]
    nav.append({"name": "admin", "title": "Admin", "url": "/admin/devices",
                "min_role": "operator"})
    nav.append({"name": "profile", "title": "Profile", "url": "/profile", "min_role": "viewer"})
    return {"nav": nav}


def _page(name: str, title: str, **bootstrap):
    config = current_app.config
    bootstrap = {"page": name, **bootstrap}
    if name in ("map", "device"):  # the device page draws a vehicle's track
        bootstrap["map"] = {"tile_url": config.get("MAP_TILE_URL"),
                            "attribution": config.get("MAP_TILE_ATTRIBUTION") or "",
                            "geojson": "assets.city_geojson" in current_app.view_functions}
    return render_template(f"dashboard/{name}.html", page=name, title=title,
                           script=url_for("dashboard.static", filename=f"js/pages/{name}.js"),
                           bootstrap=bootstrap)


@bp.get("/login")
def login_page():
    """Sign in."""
    return _page("login", "Sign in")


@bp.get("/reset-password")
def reset_password_page():
    """Ask for a password-reset e-mail, or set a new password with the e-mailed link."""
    return _page("reset", "Reset password")


@bp.get("/profile")
def profile_page():
    """My account: password, sign-in sessions, notification preferences, push opt-in."""
    return _page("profile", "Profile")


@bp.get("/")
def overview_page():
    """Live overview tiles and weekly statistics."""
    return _page("overview", "Overview")


@bp.get("/map")
def map_page():
    """City map with GeoJSON layers, devices, vehicles and alarms."""
    return _page("map", "City map")


@bp.get("/devices")
def devices_page():
    """Searchable device list."""
    return _page("devices", "Devices")


@bp.get("/devices/<device_id>")
def device_page(device_id):
    """One device: latest values, configuration, commands, charts, alarms."""
    return _page("device", f"Device {device_id}", device_id=device_id)


@bp.get("/alerts")
def alerts_page():
    """Live alarm feed with filters, acknowledge and clear."""
    return _page("alerts", "Alerts")


@bp.get("/dashboards")
def boards_page():
    """The custom dashboards the user may open; create or import one."""
    return _page("boards", "Dashboards", board_id=None)


@bp.get("/dashboards/<int:board_id>")
def board_page(board_id):
    """One custom dashboard: view, or edit for its owner."""
    return _page("boards", "Dashboard", board_id=board_id)


@bp.get("/public/dashboards/<token>")
def public_board_page(token):
    """A published dashboard, read-only, without signing in."""
    return render_template("dashboard/public-board.html", page="boards", title="Dashboard",
                           script=url_for("dashboard.static", filename="js/pages/boards.js"),
                           bootstrap={"page": "boards", "public_token": token})


@bp.get("/admin")
def admin_index():
    return redirect(url_for("dashboard.admin_page", section="devices"))


@bp.get("/admin/<any(" + ", ".join(f'"{s}"' for s in ADMIN_SECTIONS) + "):section>")
def admin_page(section):
    """Administration: devices, groups, users, service accounts, alert rules."""
    return _page("admin", f"Admin · {ADMIN_SECTIONS[section]}", section=section,
                 sections=ADMIN_SECTIONS)
