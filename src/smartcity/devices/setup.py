"""Wire device control into an app: queued commands follow a device online; overdue expire."""

from smartcity.devices import commands, events
from smartcity.jobs.scheduler import get_scheduler


def init_app(app) -> None:
    def send_when_online(device: dict, _before: str) -> None:
        if device["connectivity"] == "online":
            commands.send_queued(device["id"])

    events.add_listener(app, "connectivity", send_when_online)
    get_scheduler(app).register("command_expiry", app.config["COMMAND_EXPIRY_INTERVAL"],
                                lambda _app: {"expired": commands.expire_due()})
