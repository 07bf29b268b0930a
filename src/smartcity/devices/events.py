"""Device events other subsystems subscribe to (real time, command dispatch) without devices
importing them: "connectivity", "command", "attributes"."""

import logging

from flask import current_app

log = logging.getLogger(__name__)


def add_listener(app, kind: str, listener) -> None:
    app.extensions.setdefault("smartcity.device_listeners", {}).setdefault(kind, []).append(
        listener)


def notify(kind: str, *args) -> None:
    for listener in current_app.extensions.get("smartcity.device_listeners", {}).get(kind, []):
        try:
            listener(*args)
        except Exception:
            log.exception("device %s listener failed", kind)
