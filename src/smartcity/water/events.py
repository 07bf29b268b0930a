"""Water alarms: the default rules a demo city starts with (pressure outside the service band,
quality outside its limits) and the nightly suspected-burst check."""

from flask import current_app
from sqlalchemy import select

from smartcity.alerts import rule_service
from smartcity.alerts import service as alerts
from smartcity.alerts.models import Alarm
from smartcity.extensions import db
from smartcity.timeutil import now_ms
from smartcity.water import quality, service
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
    """Create the default water rules that do not exist yet (pressure band, and the quality
    limits of the settings); return their names."""
    return rule_service.ensure_rules(DEFAULT_RULES + quality.rules(current_app.config),
                                     "water defaults")


BURST = "suspected_burst"
CHECKED = "smartcity.water_nights_checked"


def night_check(app, now: int | None = None) -> dict:
    """The nightly job: once the night window has ended, compare every DMA's minimum night flow
    with its previous nights; a sudden rise raises a suspected-burst alarm on the DMA with the
    estimated volume lost per day, a normal night clears it. Each night is checked once per
    process (a second process repeating it only counts the alarm up)."""
    night = service.last_night(now_ms() if now is None else now)
    checked = app.extensions.setdefault(CHECKED, set())
    if night in checked:
        return {"night": night, "checked": 0, "reason": "already checked"}
    results = service.burst_check(night)
    raised = []
    for item in results:
        if item["status"] != "ok":
            continue
        if item["burst"]:
            found = item["burst"]
            alerts.raise_alarm(
                "asset", item["dma"], BURST, app.config["WATER_BURST_SEVERITY"],
                {"night": night, "message": f"{item['name']}: night flow "
                 f"{found['min_night_flow_m3h']:.1f} m³/h against {found['baseline_m3h']:.1f} "
                 f"m³/h over {found['nights']} nights; about "
                 f"{found['estimated_loss_m3_per_day']:.0f} m³ lost a day", **found},
                value=found["estimated_loss_m3_per_day"], domain="water")
            raised.append(item["dma"])
        else:
            alerts.clear_alarm("asset", item["dma"], BURST)
    checked.add(night)
    return {"night": night, "checked": sum(i["status"] == "ok" for i in results),
            "suspected_bursts": raised}


def open_bursts() -> list[dict]:
    """The open suspected-burst alarms: [{dma, value (m3/day lost), details}], biggest first."""
    rows = db.session.scalars(select(Alarm).where(Alarm.type == BURST, Alarm.active.is_(True)))
    return sorted(({"dma": a.originator_id, "value": a.value, "details": a.details or {}}
                   for a in rows), key=lambda a: -(a["value"] or 0))


DROP = "pressure_drop_burst"


def pressure_drop_check(app, now: int | None = None) -> dict:
    """The pressure-drop job: a DMA whose neighbouring pressure sensors dropped together against
    their own last hour raises a pressure-drop burst alarm (repeats count it up). It is not
    cleared by the job: an hour later the drop is the new baseline, which says nothing about
    the burst being repaired; an operator clears it."""
    at = now_ms() if now is None else now
    raised = []
    for item in service.pressure_drops(at):
        found = item["burst"]
        if not found:
            continue
        names = ", ".join(f"{s} {d['now_bar']:.2f} bar (-{d['drop_bar']:.2f})"
                          for s, d in found["sensors"].items())
        alerts.raise_alarm(
            "asset", item["dma"], DROP, app.config["WATER_DROP_SEVERITY"],
            {"at": at, "message": f"{item['name']}: pressure fell at {len(found['sensors'])} "
             f"sensors together: {names}", **found},
            value=found["max_drop_bar"], domain="water")
        raised.append(item["dma"])
    return {"at": at, "suspected_bursts": raised}
