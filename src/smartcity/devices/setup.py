"""Wire devices into an app: the identity cache ingest reads, queued commands that follow a
device online, and the expiry of overdue ones."""

from smartcity.devices import commands, directory, events
from smartcity.jobs.scheduler import get_scheduler


def init_app(app) -> None:
    directory.init_app(app)

    def send_when_online(device: dict, _before: str) -> None:
        if device["connectivity"] == "online":
            commands.send_queued(device["id"])

    events.add_listener(app, "connectivity", send_when_online)
    get_scheduler(app).register("command_expiry", app.config["COMMAND_EXPIRY_INTERVAL"],
                                lambda _app: {"expired": commands.expire_due()})
