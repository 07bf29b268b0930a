"""Water domain: district metered areas (DMAs) with inlet flow and pressure, consumption per
DMA, leakage by the minimum-night-flow method, the IWA Infrastructure Leakage Index and
pressure alarms."""

from smartcity.domain import Domain
from smartcity.water import events, kpis, quality
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
        # the nightly suspected-burst check (water/burst.py)
        "WATER_BURST_INTERVAL": 900,  # seconds between checks; each night is checked once
        "WATER_BURST_BASELINE_NIGHTS": 14,  # previous nights the median baseline is taken over
        "WATER_BURST_MIN_NIGHTS": 7,  # fewer nights with data: no judgement yet
        "WATER_BURST_RISE_FRACTION": 0.25,  # rise over the baseline that counts as sudden
        "WATER_BURST_MIN_RISE_M3H": 1.0,  # ... and at least this much
        "WATER_BURST_SEVERITY": "major",
        # the pressure-drop burst check (water/burst.py): the last window against the hour
        # before it, at every pressure sensor of a DMA
        "WATER_DROP_INTERVAL": 60,
        "WATER_DROP_WINDOW_MIN": 15,
        "WATER_DROP_BASELINE_MIN": 60,
        "WATER_DROP_MIN_BAR": 0.3,  # a drop must pass this ...
        "WATER_DROP_NOISE_K": 5.0,  # ... and this many times the sensor's own noise
        "WATER_DROP_MIN_SENSORS": 2,  # neighbouring sensors that must drop together
        "WATER_DROP_SEVERITY": "critical",
        # billed unmetered consumption of the residents in the water balance (water/kpis.py)
        "WATER_ASSESSED_LPCD": 150.0,
        # drinking-water quality limits (water/quality.py cites their sources)
        **quality.DEFAULTS,
    })
domain.on_city(events.create_default_rules)
domain.job("water_night_check", "WATER_BURST_INTERVAL")(events.night_check)
domain.job("water_pressure_drop", "WATER_DROP_INTERVAL")(events.pressure_drop_check)


@domain.tile("suspected-leaks", "Suspected leaks")
def leaks_tile() -> dict:
    """The overview tile: DMAs with an open suspected-burst alarm and the water they lose."""
    found = events.open_bursts()
    if not found:
        return {"value": 0, "detail": "no DMA's night flow has risen", "status": "ok"}
    lost = sum(a["value"] or 0 for a in found)
    return {"value": len(found), "unit": "DMAs", "status": "alarm",
            "detail": f"about {lost:.0f} m³/day lost · {', '.join(a['dma'] for a in found)}"}


domain.kpi("non_revenue_water", "Non-revenue water", "%", better="lower",
           iso="ISO 37120:2018 23.7, percentage of water loss (unaccounted for water): "
               "(supplied - utilized) / supplied; here utilized = billed (metered + assessed), "
               "the IWA non-revenue water, so unbilled authorised use counts as loss",
           definition="IWA water balance: (system input volume - billed authorised "
                      "consumption) / system input volume. System input: the DMA inlet meters "
                      "(hourly rollups); billed: the customer meters' register advance plus the "
                      "residents' assessed volume (WATER_ASSESSED_LPCD per person per day)."
           )(kpis.non_revenue_water)
domain.kpi("ili", "Infrastructure Leakage Index", "", target=2.0, better="lower",
           iso=None,
           definition="IWA ILI = current annual real losses / unavoidable annual real losses. "
                      "CARL per DMA: the mean of its nights' minimum-night-flow leakage "
                      "(x FAVAD hour-day factor); UARL = (18 Lm + 0.8 Nc + 25 Lp) x P at its "
                      "mean pressure; city value: sum of CARL / sum of UARL. Target 2: band A "
                      "of the World Bank Institute banding for high-income countries. "
                      "No ISO 37120/37122 indicator.")(kpis.infrastructure_leakage_index)
