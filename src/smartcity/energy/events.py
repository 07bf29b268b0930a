"""Energy alarms and live push: feeder utilisation written as a derived key of the feeder-head
meter, energy_update when it is stored, and the default rules a demo city starts with
(overload, flat zero readings, out-of-profile use)."""

import threading

from smartcity.alerts import rule_service
from smartcity.energy import network
from smartcity.energy.network import METER
from smartcity.extensions import db
from smartcity.telemetry import queries, reads
from smartcity.telemetry.points import Point

DEFAULT_RULES = [
    {"name": "Feeder overload", "kind": "threshold", "scope": {"device_type": METER},
     "key": "utilisation", "operator": ">", "value": 100, "clear_value": 95,
     "severity": "major",
     "description": "The feeder's load is above its capacity (utilisation in %, written for "
                    "its head meter every minute)."},
    {"name": "Feeder near capacity", "kind": "threshold", "scope": {"device_type": METER},
     "key": "utilisation", "operator": ">=", "value": 90, "clear_value": 85,
     "severity": "warning", "for_duration_s": 600,
     "description": "The feeder has run above 90 % of its capacity for ten minutes."},
    {"name": "Meter reads zero", "kind": "threshold", "scope": {"device_type": METER},
     "key": "power", "operator": "==", "value": 0, "for_duration_s": 3600, "severity": "minor",
     "description": "A meter has read exactly 0 kW for an hour: a broken meter or a cut."},
    {"name": "Meter out of profile", "kind": "anomaly", "scope": {"device_type": METER},
     "key": "power", "z_threshold": 5.0, "half_life_s": 21_600, "warmup": 60,
     "severity": "minor",
     "description": "A reading far from the meter's recent level (a spike or a sudden drop)."},
]


def create_default_rules(_city_id: str | None = None) -> list[str]:
    """Create the default energy rules that do not exist yet; return their names."""
    return rule_service.ensure_rules(DEFAULT_RULES, "energy defaults")


def utilisation_points(grid: network.Grid, power: dict[str, tuple[int, float]]) -> list[Point]:
    """One `utilisation` point (%) per feeder head, at the time of its newest power reading."""
    points = []
    for feeder in grid.feeders.values():
        head, capacity = feeder["head"], feeder["capacity_kw"]
        if head in power and capacity:
            ts, value = power[head]
            share = round(abs(value) / capacity * 100, 2)
            points.append(Point(head, "utilisation", ts, share, None))
    return points


def write_utilisation(app) -> dict:
    """Job: the newest utilisation of every feeder (a point already stored is ignored)."""
    grid = network.load_grid()
    with db.reader() as conn:
        power = {r.id: (r.ts, r.value) for r in queries.latest_of_type(conn, METER, ["power"])
                 if r.value is not None}
    points = utilisation_points(grid, power)
    db.release()  # the writer needs SQLite's write lock, which this session's reads hold
    stored, error = reads.submit_derived(points) if points else (0, None)
    if error:
        app.logger.warning("energy utilisation not stored: %s", error)
    return {"utilisation": stored}


def utilisation_watch(domain):
    """After-commit hook factory: push the feeders' newest utilisation (%) as one coalesced
    energy_update whenever some is stored (once a minute, by the job above)."""

    def factory(app):
        latest: dict[str, dict] = {}
        lock = threading.Lock()

        def hook(points) -> None:
            fresh = [p for p in points if p.key == "utilisation" and p.value is not None]
            if not fresh:
                return
            with lock:
                for p in fresh:
                    if p.device_id not in latest or latest[p.device_id]["ts"] < p.ts:
                        latest[p.device_id] = {"ts": p.ts, "utilisation": p.value}
                summary = {"kind": "feeder_utilisation", "meters": dict(latest),
                           "overloaded": sum(v["utilisation"] > 100 for v in latest.values())}
            domain.push(app, summary)

        return hook

    return factory
