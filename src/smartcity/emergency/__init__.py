"""Emergency domain: incidents and their lifecycle, units dispatched by ETA over the live road
network, NFPA 1710 statistics, CAP 1.2 public alerts, coverage and repositioning."""

from smartcity.domain import Domain

domain = Domain(
    "emergency", "Emergency", routes="smartcity.emergency.routes", device_types=("vehicle",),
    alert_events=True, page_script="js/pages/emergency.js", order=30,
    defaults={"EMERGENCY_CAP_SENDER": "smartcity",  # CAP <sender>: no spaces, commas, < or &
              "EMERGENCY_CAP_SENDER_NAME": "City civil protection"})


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
