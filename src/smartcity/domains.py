"""The city's domains: the one list that create_app, the rooms, the alert events and the device
catalogue read.

Every name here is a domain devices and alarms may belong to and a Socket.IO room one may join.
A package path means the domain is built: its package declares `domain = Domain(...)` and
create_app wires it in. Adding a domain is setting its path here; nothing else shared changes.
"""

import importlib

from smartcity.domain import Domain

INSTALLED: dict[str, str | None] = {
    "environment": "smartcity.environment",
    "traffic": "smartcity.traffic",
    "emergency": "smartcity.emergency",
    "waste": "smartcity.waste",
    "energy": "smartcity.energy",
    "water": "smartcity.water",
    "transport": "smartcity.transport",
    "analytics": "smartcity.analytics",
    "lighting": None,
    "infrastructure": None,
}
NAMES = tuple(INSTALLED)
REGISTRY = "smartcity.domains"


def load(path: str) -> Domain:
    """The Domain a package declares (its module-level `domain`)."""
    domain = importlib.import_module(path).domain
    if not isinstance(domain, Domain):
        raise TypeError(f"{path}.domain is not a Domain")
    return domain


def selected(setting: list[str] | None) -> list[Domain]:
    """The domains the DOMAINS setting enables: installed names or package paths; None: all."""
    chosen = [n for n, path in INSTALLED.items() if path] if setting is None else setting
    domains = []
    for entry in chosen:
        if entry in INSTALLED:
            if INSTALLED[entry]:
                domains.append(load(INSTALLED[entry]))
        elif "." in entry:
            domains.append(load(entry))
        else:
            raise ValueError(f"DOMAINS: unknown domain {entry!r} (known: {', '.join(NAMES)})")
    return domains


def init_app(app) -> list[Domain]:
    domains = selected(app.config.get("DOMAINS"))
    app.extensions[REGISTRY] = {d.name: d for d in domains}
    for domain in domains:
        domain.init_app(app)
    return domains


def enabled(app) -> dict[str, Domain]:
    """The app's domains by name."""
    return app.extensions.get(REGISTRY, {})


def room_names(app) -> set[str]:
    """Domain rooms one may join: every known domain, and any enabled from elsewhere."""
    return set(NAMES) | set(enabled(app))


def alert_event_domains(app) -> set[str]:
    """Domains whose alarms are also pushed as <domain>_alert."""
    return {name for name, d in enabled(app).items() if d.alert_events}
