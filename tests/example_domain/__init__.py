"""A minimal domain the tests enable (DOMAINS) to show what adding one takes."""

from flask import current_app

from smartcity.devices.service import devices_of
from smartcity.domain import Domain
from smartcity.extensions import db
from smartcity.telemetry import reads

domain = Domain("example", "Example", routes="tests.example_domain.routes",
                device_types=("smart_bin",), defaults={"EXAMPLE_FULL_AT": 80})


def fill_levels() -> dict[str, float | None]:
    """Each bin's latest fill level."""
    with db.reader() as conn:
        return {d.id: reads.latest(conn, d.id, ["fill_level"]).get("fill_level", {}).get("value")
                for d in devices_of(domain.device_types)}


@domain.tile("example-full", "Full bins")
@domain.snapshot
def full_bins() -> dict:
    levels, full = fill_levels(), current_app.config["EXAMPLE_FULL_AT"]
    return {"value": sum(1 for v in levels.values() if v is not None and v >= full),
            "detail": f"of {len(levels)} bins"}


@domain.job("example_count", 60)
def count(app) -> dict:
    return full_bins()


@domain.after_commit
def push_fill(app):
    def hook(points) -> None:
        fresh = {p.device_id: p.value for p in points if p.key == "fill_level"}
        if fresh:
            domain.push(app, {"bins": fresh})
    return hook
