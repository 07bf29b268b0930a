"""Wire the dashboard in: a coalesced "something was stored" signal for live overview pages."""

from smartcity.realtime.emitter import get_emitter
from smartcity.telemetry.pipeline import pipeline_of
from smartcity.timeutil import now_ms

OVERVIEW_ROOM = "overview"


def init_app(app) -> None:
    emitter = get_emitter(app)
    if emitter is None:
        return
    # Overview pages refetch their numbers on this signal; it is sent at most twice a second per
    # process, so a busy pipeline costs one dict per batch here, not a query.
    def signal(points) -> None:
        if points:
            emitter.coalesce("overview_update", OVERVIEW_ROOM, {"ts": now_ms(),
                                                               "points": len(points)})

    pipeline_of(app).add_hook(signal)
