"""The Domain declaration: everything a domain adds to the app, declared once in its package.

A domain's `__init__.py` holds one `domain = Domain(...)` and decorates the functions the shared
machinery calls (see docs/adding-a-domain.md):

    domain = Domain("environment", "Environment", routes="smartcity.environment.routes",
                    alert_events=True, defaults={"ENVIRONMENT_TIMEZONE": "UTC"})

    @domain.tile("air-quality", "Air quality", order=10)
    def air_quality_tile() -> dict: ...

The domain's name is its URL prefix (/api/<name>, set on its blueprint), its Socket.IO room, its
`<name>_update` event and, with alert_events, its `<name>_alert` event. smartcity.domains lists
the installed domains; create_app calls init_app on those the DOMAINS setting enables.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Domain:
    name: str
    title: str
    routes: str | None = None  # module whose `bp` is the domain's blueprint
    device_types: tuple[str, ...] = ()  # types whose devices the domain's pages show
    defaults: dict = field(default_factory=dict)  # settings, overridable in config
    alert_events: bool = False  # alarms of this domain are also pushed as <name>_alert
    page_script: str | None = None  # ES module of the page; None: no page
    page_url: str | None = None  # default /<name>
    order: int = 100  # place in the navigation and on the overview
    _tiles: list = field(default_factory=list, repr=False)
    _jobs: list = field(default_factory=list, repr=False)
    _hooks: list = field(default_factory=list, repr=False)
    _city: list = field(default_factory=list, repr=False)
    _setup: list = field(default_factory=list, repr=False)
    _snapshot: Callable | None = field(default=None, repr=False)
    _kpis: list = field(default_factory=list, repr=False)
    _incidents: Callable | None = field(default=None, repr=False)
    _predictive: Callable | None = field(default=None, repr=False)

    @property
    def room(self) -> str:
        return self.name

    @property
    def update_event(self) -> str:
        return f"{self.name}_update"

    @property
    def url(self) -> str:
        return self.page_url or f"/{self.name}"

    # Decorators: each records the function and returns it unchanged.

    def tile(self, name: str, title: str, order: int | None = None):
        """An overview tile fn() -> {"value", "unit"?, "detail"?, "status"?}, linked to the page."""
        def add(fn):
            self._tiles.append((name, title, fn, self.order if order is None else order))
            return fn
        return add

    def snapshot(self, fn: Callable[[], dict]) -> Callable:
        """What request_real_time_data {data_type: <name>} answers."""
        self._snapshot = fn
        return fn

    def kpi(self, name: str, title: str, unit: str, target: float | None = None,
            better: str = "higher", iso: str | None = None, definition: str = ""):
        """A KPI fn(start, end) -> value or None, over one period [start, end) in ms.

        Analytics calls it for the current and the previous period to show the trend; `better`
        ("higher" or "lower") says which way is good; `iso` names the ISO 37120/37122
        indicator it follows, where one exists (docs/kpis.md).
        """
        if better not in ("higher", "lower"):
            raise ValueError("better must be 'higher' or 'lower'")

        def add(fn):
            self._kpis.append({"name": name, "title": title, "unit": unit, "target": target,
                               "better": better, "iso": iso, "definition": definition,
                               "fn": fn})
            return fn
        return add

    @property
    def kpis(self) -> list[dict]:
        return list(self._kpis)

    def incidents(self, fn: Callable[[int, int], list[dict]]) -> Callable:
        """fn(start, end) -> the domain's incidents reported in [start, end) ms, each
        {"id", "type", "severity", "status", "reported", "resolved", "description"}; reports
        list them without importing the domain."""
        self._incidents = fn
        return fn

    @property
    def incident_source(self) -> Callable | None:
        return self._incidents

    def predictive(self, fn: Callable[[int], dict]) -> Callable:
        """fn(hours) -> the domain's forecast of the next hours, each with the backtest error it
        is judged by; /api/analytics/predictive/<name> serves it without importing the domain."""
        self._predictive = fn
        return fn

    @property
    def predictor(self) -> Callable | None:
        return self._predictive

    def job(self, name: str, interval: str | int):
        """A periodic job fn(app); interval in seconds, or the name of the setting holding it."""
        def add(fn):
            self._jobs.append((name, interval, fn))
            return fn
        return add

    def after_commit(self, factory: Callable) -> Callable:
        """factory(app) -> hook(points), called by the ingest writer after every commit."""
        self._hooks.append(factory)
        return factory

    def on_city(self, fn: Callable) -> Callable:
        """fn(city_id) once a city is stored (seeded): default alarm rules and the like."""
        self._city.append(fn)
        return fn

    def setup(self, fn: Callable) -> Callable:
        """fn(app) for anything else the domain wires in at startup."""
        self._setup.append(fn)
        return fn

    def push(self, app, summary) -> None:
        """Send a coalesced <name>_update to the domain's room (the newest summary wins)."""
        from smartcity.realtime.emitter import get_emitter

        emitter = get_emitter(app)
        if emitter is not None:
            emitter.coalesce(self.update_event, self.room, summary)

    def init_app(self, app) -> None:
        """Wire the domain into a built app (after the core subsystems)."""
        from smartcity.assets.service import add_city_listener
        from smartcity.dashboard.tiles import register_page, register_tile
        from smartcity.jobs.scheduler import get_scheduler
        from smartcity.realtime.registry import snapshots
        from smartcity.telemetry.pipeline import pipeline_of

        for name, value in self.defaults.items():
            app.config.setdefault(name, value)
        if self.routes:
            app.register_blueprint(importlib.import_module(self.routes).bp)
        for name, interval, fn in self._jobs:
            seconds = app.config[interval] if isinstance(interval, str) else interval
            get_scheduler(app).register(name, seconds, fn)
        for factory in self._hooks:
            pipeline_of(app).add_hook(factory(app))
        if self._snapshot is not None:
            snapshots(app)[self.name] = self._snapshot
        page = self.url if self.page_script else None
        for name, title, fn, order in self._tiles:
            register_tile(app, name, title, fn, page, order=order)
        if self.page_script:
            register_page(app, self.name, self.title, self.url, script=self.page_script,
                          order=self.order)
        for fn in self._city:
            add_city_listener(app, fn)
        for fn in self._setup:
            fn(app)
