"""Water domain: district metered areas (DMAs) with inlet flow and pressure, consumption per
DMA, leakage by the minimum-night-flow method, the IWA Infrastructure Leakage Index and
pressure alarms."""

from smartcity.domain import Domain
from smartcity.water import events
from smartcity.water.network import DEVICE_TYPES

domain = Domain(
    "water", "Water", routes="smartcity.water.routes", device_types=DEVICE_TYPES,
    alert_events=True, order=50,
    defaults={
        "WATER_NIGHT_START_H": 2,  # UTC hours of the minimum-night-flow window [start, end)
        "WATER_NIGHT_END_H": 4,
        "WATER_ACTIVE_FRACTION": 0.06,  # residents using water at the night hour
        "WATER_NIGHT_USE_LPH": 10.0,  # litres per hour per active resident
        "WATER_N1": 1.0,  # FAVAD leakage exponent for the hour-day factor
    })
domain.on_city(events.create_default_rules)
