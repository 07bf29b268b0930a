"""The registry domains use to add their overview tile, navigation page and weekly counts.

A domain calls these from its init_app:

    register_tile(app, "air", "Air quality", air_tile, "/environment")
    register_page(app, "environment", "Environment", "/environment")
    register_daily_counts(app, "incidents", incidents_per_day)

Tiles are called by GET /api/dashboard/overview; one that fails shows as unavailable and stops
nothing else.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, render_template, url_for

log = logging.getLogger(__name__)
TILES = "smartcity.dashboard.tiles"
PAGES = "smartcity.dashboard.pages"
DAILY = "smartcity.dashboard.daily_counts"


@dataclass(frozen=True)
class Tile:
    name: str
    title: str
    source: Callable[[], dict] | str  # a function returning tile data, or an endpoint name
    page_url: str | None = None
    order: int = 100


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    url: str
    script: str  # path under dashboard/static, or an absolute URL of the page's ES module
    min_role: str = "viewer"
    order: int = 100


def register_tile(app, name: str, title: str, endpoint_or_fn, page_url: str | None = None,
                  order: int = 100) -> None:
    """Add an overview tile.

    `endpoint_or_fn` is either a function returning {"value", "unit"?, "detail"?, "status"?}
    (status: ok, warning or alarm), evaluated in the overview request, or the endpoint name of a
    viewer-readable JSON route of the same shape that the browser fetches itself.
    """
    app.extensions.setdefault(TILES, {})[name] = Tile(name, title, endpoint_or_fn, page_url,
                                                      order)


def register_page(app, name: str, title: str, url: str, script: str | None = None,
                  min_role: str = "viewer", order: int = 100) -> None:
    """Add a navigation entry and serve the shell at `url` with the page's ES module."""
    page = Page(name, title, url, script or f"js/pages/{name}.js", min_role, order)
    app.extensions.setdefault(PAGES, {})[name] = page
    app.add_url_rule(url, f"page_{name}", lambda **_: render_page(page.name))


def register_daily_counts(app, name: str, counter: Callable[[int, int], dict]) -> None:
    """Add a series to the weekly statistics: counter(start_ms, end_ms) ->
    {domain: {day_start_ms: count}}."""
    app.extensions.setdefault(DAILY, {})[name] = counter


def tiles(app) -> list[Tile]:
    return sorted(app.extensions.get(TILES, {}).values(), key=lambda t: (t.order, t.name))


def pages(app) -> list[Page]:
    return sorted(app.extensions.get(PAGES, {}).values(), key=lambda p: (p.order, p.name))


def daily_counters(app) -> dict[str, Callable]:
    return dict(app.extensions.get(DAILY, {}))


def tile_data(tile: Tile) -> dict:
    """The tile as the overview answers it: its data, or the URL the browser reads it from."""
    body = {"name": tile.name, "title": tile.title, "page_url": tile.page_url}
    if isinstance(tile.source, str):
        return {**body, "source": url_for(tile.source)}
    try:
        return {**body, "data": tile.source()}
    except Exception:
        log.exception("dashboard tile %s failed", tile.name)
        return {**body, "data": None, "error": "unavailable"}


def render_page(name: str, **context):
    """Render the shell for a registered page (domain pages use this through register_page)."""
    page = current_app.extensions[PAGES][name]
    script = page.script if page.script.startswith(("/", "http")) else url_for(
        "dashboard.static", filename=page.script)
    return render_template("dashboard/page.html", page=page.name, title=page.title,
                           script=script, bootstrap={"page": page.name, **context})
