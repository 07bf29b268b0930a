"""The default water alarm rules a demo city starts with: pressure outside the service band."""

from smartcity.alerts import rule_service
from smartcity.water.network import PRESSURE

DEFAULT_RULES = [
    {"name": "Low water pressure", "kind": "threshold", "scope": {"device_type": PRESSURE},
     "key": "pressure", "operator": "<", "value": 2.0, "clear_value": 2.2,
     "for_duration_s": 300, "severity": "major",
     "description": "Pressure below 2 bar (about 20 m) for five minutes: customers on upper "
                    "floors lose supply; a burst or a closed valve upstream is likely."},
    {"name": "High water pressure", "kind": "threshold", "scope": {"device_type": PRESSURE},
     "key": "pressure", "operator": ">", "value": 6.0, "clear_value": 5.8,
     "for_duration_s": 300, "severity": "minor",
     "description": "Pressure above 6 bar for five minutes: leakage and bursts grow with "
                    "pressure (FAVAD); check the pressure-reducing valve."},
]


def create_default_rules(_city_id: str | None = None) -> list[str]:
    """Create the default water rules that do not exist yet; return their names."""
    return rule_service.ensure_rules(DEFAULT_RULES, "water defaults")
