"""Environment events: environment_update when a station changes AQI category, and the default
alarm rules a demo city starts with."""

import threading
from collections import deque

from smartcity.alerts import rule_service
from smartcity.environment.advice import epa_category
from smartcity.realtime.emitter import get_emitter
from smartcity.timeutil import iso, now_ms

ROOM = "environment"
UPDATE_EVENT = "environment_update"
RECENT_CHANGES = 20

DEFAULT_RULES = [
    {"name": "AQI unhealthy", "kind": "threshold", "scope": {"device_type": "air_quality_station"},
     "key": "aqi", "operator": ">=", "value": 151, "severity": "major",
     "description": "Station US EPA AQI is Unhealthy (151) or worse."},
    {"name": "AQI very unhealthy", "kind": "threshold",
     "scope": {"device_type": "air_quality_station"}, "key": "aqi", "operator": ">=",
     "value": 201, "severity": "critical",
     "description": "Station US EPA AQI is Very Unhealthy (201) or worse."},
    {"name": "Noise limit exceeded", "kind": "threshold", "scope": {"device_type": "noise_sensor"},
     "key": "noise_exceedance", "operator": ">", "value": 0, "severity": "minor",
     "description": "An hour's LAeq is above the limit of its period (day, evening, night) "
                    "for the sensor's district type (ENVIRONMENT_NOISE_LIMITS)."},
]


class CategoryWatch:
    """After-commit hook: notice stations whose newest aqi falls in another category and push
    one coalesced environment_update (all stations' categories and the recent changes)."""

    def __init__(self, app):
        self.app = app
        self.stations: dict[str, dict] = {}
        self.changes: deque = deque(maxlen=RECENT_CHANGES)
        self.lock = threading.Lock()

    def __call__(self, points) -> None:
        fresh = sorted((p for p in points if p.key == "aqi" and p.value is not None),
                       key=lambda p: p.ts)
        if not fresh:
            return
        changed = False
        with self.lock:
            for point in fresh:
                before = self.stations.get(point.device_id)
                if before is not None and before["ts"] >= point.ts:
                    continue  # an older hour arriving late does not change the present
                category = epa_category(int(point.value))
                self.stations[point.device_id] = {"aqi": int(point.value),
                                                  "category": category.name,
                                                  "color": category.color, "ts": point.ts}
                if before is None or before["category"] != category.name:
                    self.changes.append({"device_id": point.device_id, "ts": point.ts,
                                         "time": iso(point.ts), "aqi": int(point.value),
                                         "category": category.name,
                                         "previous": before["category"] if before else None})
                    changed = True
            summary = {"kind": "aqi_category", "stations": dict(self.stations),
                       "changes": list(self.changes), "ts": now_ms()} if changed else None
        emitter = get_emitter(self.app)
        if summary is not None and emitter is not None:
            emitter.coalesce(UPDATE_EVENT, ROOM, summary)


def create_default_rules(_city_id: str | None = None) -> list[str]:
    """Create the default environment rules that do not exist yet; return their names."""
    return rule_service.ensure_rules(DEFAULT_RULES, "environment defaults")
