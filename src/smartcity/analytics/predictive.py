"""The domains' own forecasts, served side by side (/api/analytics/predictive/<domain>).

Analytics imports no domain: each one registers its predictor with @domain.predictive
(traffic: counter flows, energy: feeder loads, waste: bin fill levels), and every answer keeps
the error its domain measured for it (backtest against a baseline, or a confidence interval).
"""

from flask import current_app

from smartcity import domains
from smartcity.errors import not_found
from smartcity.timeutil import now_ms


def predictive(name: str, hours: int) -> dict:
    """The domain's forecast of the next `hours`; 404 when it registers none."""
    domain = domains.enabled(current_app).get(name)
    if domain is None or domain.predictor is None:
        raise not_found("predictive domain")
    return {"domain": name, "title": domain.title, "hours": hours, "ts": now_ms(),
            **domain.predictor(hours)}

