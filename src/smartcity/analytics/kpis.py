"""KPIs of the enabled domains, each over a period and the one before it.

Every domain declares its KPIs with @domain.kpi (smartcity/domain.py): analytics calls the
function for [end − period, end) and [end − 2·period, end − period) and reports the change.
`end` is the end of the last complete hour, so two calls within the hour agree. A KPI that
fails is reported with its error, not dropped: the overview must not hide a broken indicator.
"""

import logging

from flask import current_app

from smartcity import domains
from smartcity.errors import bad_request, not_found
from smartcity.telemetry.reads import reporting_end

log = logging.getLogger(__name__)
DAY = 86_400_000
PERIODS = {"day": 1, "week": 7, "month": 30}


def trend(value, previous, better: str) -> dict | None:
    """Change against the previous period and whether it goes the good way."""
    if value is None or previous is None:
        return None
    delta = value - previous
    direction = "flat" if delta == 0 else ("up" if delta > 0 else "down")
    return {"previous": previous, "delta": round(delta, 4),
            "delta_pct": round(100 * delta / abs(previous), 2) if previous else None,
            "direction": direction,
            "improving": None if delta == 0 else (delta > 0) == (better == "higher")}


def met(value, target, better: str) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target if better == "higher" else value <= target


def evaluate_kpi(kpi: dict, start: int, end: int, period_ms: int) -> dict:
    out = {k: kpi[k] for k in ("name", "title", "unit", "target", "better", "iso",
                               "definition")}
    try:
        value = kpi["fn"](start, end)
        previous = kpi["fn"](start - period_ms, start)
    except Exception as exc:  # noqa: BLE001 - one broken KPI must not hide the others
        log.exception("KPI %s failed", kpi["name"])
        return out | {"value": None, "trend": None, "met": None, "error": str(exc)}
    return out | {"value": value, "trend": trend(value, previous, kpi["better"]),
                  "met": met(value, kpi["target"], kpi["better"])}


def window(period: str, at: int | None) -> tuple[int, int, int]:
    if period not in PERIODS:
        raise bad_request(f"period must be one of {', '.join(PERIODS)}", "period")
    end = reporting_end(at)
    length = PERIODS[period] * DAY
    return end - length, end, length


def domain_kpis(name: str, period: str = "week", at: int | None = None) -> dict:
    domain = domains.enabled(current_app).get(name)
    if domain is None:
        raise not_found("domain")
    start, end, length = window(period, at)
    return {"domain": name, "title": domain.title, "period": period, "start": start, "end": end,
            "kpis": [evaluate_kpi(k, start, end, length) for k in domain.kpis]}


def overview(period: str = "week", at: int | None = None) -> dict:
    start, end, _ = window(period, at)
    items = [domain_kpis(name, period, at) for name, d in domains.enabled(current_app).items()
             if d.kpis]
    return {"period": period, "start": start, "end": end, "domains": items}
