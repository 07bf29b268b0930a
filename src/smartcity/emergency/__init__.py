"""Emergency domain: incidents and their lifecycle, units dispatched by ETA over the live road
network, NFPA 1710 statistics, CAP 1.2 public alerts, coverage and repositioning."""

from smartcity.domain import Domain
from smartcity.emergency import kpis

domain = Domain(
    "emergency", "Emergency", routes="smartcity.emergency.routes", device_types=("vehicle",),
    alert_events=True, page_script="js/pages/emergency.js", order=30,
    defaults={"EMERGENCY_CAP_SENDER": "smartcity",  # CAP <sender>: no spaces, commas, < or &
              "EMERGENCY_CAP_SENDER_NAME": "City civil protection"})


domain.kpi("median_response_time", "Median response time", "s", target=None, better="lower",
           iso="ISO 37120:2018 safety: response time for emergency response services from "
               "initial call",
           definition="Median seconds from the call (reported) to the first unit on scene, of "
                      "the incidents reported in the period that a unit reached."
           )(kpis.median_response)
domain.kpi("turnout_compliance", "Turnout within NFPA 1710", "%", target=90.0, better="higher",
           definition="Share of fire, medical, hazmat and flood incidents reported in the period "
                      "whose turnout (dispatched to en route) met NFPA 1710 4.1.2.1: 60 s for "
                      "EMS, 80 s for fire and special operations; the standard asks 90 %."
           )(kpis.turnout_compliance)
domain.kpi("travel_compliance", "First-unit travel within NFPA 1710", "%", target=90.0,
           better="higher",
           definition="Share of fire and medical incidents reported in the period whose first "
                      "unit's travel (en route to on scene) took at most 240 s (NFPA 1710 "
                      "4.1.2.1); the standard asks 90 %.")(kpis.travel_compliance)


@domain.incidents
def incidents_reported(start: int, end: int) -> list[dict]:
    from smartcity.emergency import incidents

    return incidents.reported_between(start, end)


@domain.snapshot
def snapshot() -> dict:
    from smartcity.emergency import incidents, units

    return {"open_incidents": [incidents.to_dict(i) for i in incidents.listing("open")],
            "units": units.units()}


@domain.tile("open-incidents", "Open emergencies", order=30)
def incidents_tile() -> dict:
    from smartcity.emergency import incidents

    n = len(incidents.listing("open"))
    return {"value": n, "status": "ok" if n == 0 else "warning", "detail": "open incidents"}


@domain.tile("units-available", "Units available", order=31)
def units_tile() -> dict:
    from smartcity.emergency import units

    all_units = units.units()
    free = sum(u["status"] == "available" for u in all_units)
    if not all_units:  # nothing to dispatch is a fact of the city, not an alarm
        return {"value": 0, "detail": "no emergency vehicles registered", "status": "ok"}
    return {"value": free, "detail": f"of {len(all_units)} emergency units",
            "status": "ok" if free else "alarm"}
