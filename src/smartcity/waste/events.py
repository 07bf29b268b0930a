"""Waste events: a coalesced waste_update when bins report levels, and the default alarm
rules a city starts with."""


from smartcity.alerts import rule_service
from smartcity.timeutil import now_ms

LEVEL_KEY = "fill_level"

DEFAULT_RULES = [
    {"name": "Bin nearly full", "kind": "threshold", "scope": {"device_type": "smart_bin"},
     "key": "fill_level", "operator": ">=", "value": 90, "clear_value": 50, "severity": "minor",
     "description": "A bin is 90 % full or more; the alarm clears once it is emptied "
                    "(below 50 %)."},
    {"name": "Bin overflowing", "kind": "threshold", "scope": {"device_type": "smart_bin"},
     "key": "fill_level", "operator": ">=", "value": 97, "clear_value": 50,
     "severity": "major", "description": "A bin is full (97 % allows for sensor noise): waste is "
                                         "left beside it."},
]


def create_default_rules(_city_id: str | None = None) -> list[str]:
    """Create the default waste rules that do not exist yet; return their names."""
    return rule_service.ensure_rules(DEFAULT_RULES, "waste defaults")


def level_watch(domain):
    """An after-commit hook factory: push the newest level of every bin that reported one
    (coalesced: a page refetches at most twice a second however many bins report)."""
    def factory(app):
        def hook(points) -> None:
            levels = {p.device_id: p.value for p in points
                      if p.key == LEVEL_KEY and p.value is not None}
            if levels:
                domain.push(app, {"kind": "levels", "levels": levels, "ts": now_ms()})
        return hook
    return factory
