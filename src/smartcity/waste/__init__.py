"""Waste domain: smart bins, fill rates and time to full, collections, collection routes
(capacitated VRP over the road network), recycling rate and cost."""

from flask import current_app

from smartcity.domain import Domain
from smartcity.waste import events, kpis, schedule
from smartcity.waste.bins import bin_states, fill_prediction
from smartcity.waste.metrics import CostModel

domain = Domain(
    "waste", "Waste", routes="smartcity.waste.routes", device_types=("smart_bin",),
    alert_events=True, page_script="js/pages/waste.js", order=30,
    defaults={
        "WASTE_HISTORY_H": 72,  # fill history read for a bin's fill rate
        "WASTE_OVERFLOW_PCT": 90,  # a bin this full counts as overflowing on the overview
        "WASTE_TILE_PCT": 80,  # the overview counts bins above this
        # kg per litre of a full bin by stream (loose, uncompacted), when no weight is given
        "WASTE_DENSITY_KG_PER_L": {"general": 0.12, "recycling": 0.05, "organic": 0.4,
                                   "glass": 0.3},
        "WASTE_COST_MODEL": dict(CostModel().__dict__),
        # the daily planning job (waste/schedule.py)
        "WASTE_PLAN_INTERVAL": 3600,  # seconds between checks; a day is planned once
        "WASTE_PLAN_AT_HOUR": 18,  # UTC hour from which tomorrow is planned
        "WASTE_PLAN_START_HOUR": 6,  # UTC hour tomorrow's rounds start
        "WASTE_PLAN_THRESHOLD_PCT": 80,
        "WASTE_PLAN_TIME_LIMIT_S": 10,
        "WASTE_TRUCK_CAPACITY_L": 30_000,  # loose litres: a 10 m3 body at about 3:1
    })
domain.on_city(events.create_default_rules)
domain.after_commit(events.level_watch(domain))
domain.job("waste_daily_plan", "WASTE_PLAN_INTERVAL")(schedule.plan_tomorrow)
domain.predictive(fill_prediction)
domain.kpi("collected_before_full", "Bins collected before full", "%", target=95.0,
           better="higher", iso=None,
           definition="Of the bins emptied by rounds completed in the period, the share whose "
                      "last fill level before completion was below WASTE_OVERFLOW_PCT (90 %). "
                      "No ISO 37120/37122 indicator measures it.")(kpis.collected_before_full)


@domain.tile("bins-full", "Bins above 80 %")
def bins_tile() -> dict:
    """The overview tile: how many bins are above WASTE_TILE_PCT, and the fullest."""
    floor = current_app.config["WASTE_TILE_PCT"]
    states = [s for s in bin_states() if s["level"] is not None]
    if not states:
        return {"value": "—", "detail": "no bin has reported yet", "status": "ok"}
    above = [s for s in states if s["level"] >= floor]
    soon = [s for s in states if s["hours_to_full"] is not None and s["hours_to_full"] <= 24]
    status = "ok" if not above else ("warning" if len(above) < 0.2 * len(states) else "alarm")
    return {"value": len(above), "unit": f"of {len(states)}", "status": status,
            "detail": f"{len(soon)} full within 24 h · mean "
                      f"{sum(s['level'] for s in states) / len(states):.0f} %"}


@domain.snapshot
def snapshot() -> dict:
    """What request_real_time_data {data_type: "waste"} answers."""
    keep = ("id", "stream", "level", "rate_pct_h", "hours_to_full", "location", "district")
    return {"bins": [{k: s[k] for k in keep} for s in bin_states()]}
