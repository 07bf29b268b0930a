"""Water quality against the limits: the pure classification, the endpoint on stored readings,
the default rules raising an alarm through the real rule engine."""

import pytest
from sqlalchemy import select

from smartcity.alerts.models import Alarm, AlertRule
from smartcity.alerts.setup import get_engine
from smartcity.extensions import db
from smartcity.telemetry.points import Point
from smartcity.timeutil import now_ms
from smartcity.water import events, quality

LIMITS = quality.limits(quality.DEFAULTS)
MINUTE = 60_000


def test_the_cited_limits_and_classification():
    assert (LIMITS["ph"]["min"], LIMITS["ph"]["max"]) == (6.5, 9.5)  # EU 2020/2184 Annex I C
    assert (LIMITS["turbidity"]["min"], LIMITS["turbidity"]["max"]) == (None, 1.0)
    assert (LIMITS["chlorine"]["min"], LIMITS["chlorine"]["max"]) == (0.2, 5.0)  # WHO GDWQ
    assert quality.classify(6.49, LIMITS["ph"]) == "low"
    assert quality.classify(6.5, LIMITS["ph"]) == "ok"  # "≥ 6.5 and ≤ 9.5"
    assert quality.classify(9.5, LIMITS["ph"]) == "ok"
    assert quality.classify(9.51, LIMITS["ph"]) == "high"
    assert quality.classify(0.0, LIMITS["turbidity"]) == "ok"
    assert quality.classify(None, LIMITS["ph"]) is None
    assert quality.compliance([0.1, 0.3, 0.5, 0.15], LIMITS["chlorine"]) == 50.0
    assert quality.compliance([], LIMITS["chlorine"]) is None


def test_the_limits_follow_the_settings():
    config = dict(quality.DEFAULTS, WATER_TURBIDITY_MAX_NTU=4.0)
    assert quality.classify(3.0, quality.limits(config)["turbidity"]) == "ok"
    names = {r["name"]: r for r in quality.rules(config)}
    assert names["High water turbidity"]["value"] == 4.0
    assert set(names) == {"Low water pH", "High water pH", "High water turbidity",
                          "Low water free chlorine", "High water free chlorine"}


def test_quality_endpoint(api, dmas, store):
    now = now_ms() // MINUTE * MINUTE
    readings = [("wq-1", now - (10 - i) * 5 * MINUTE,
                 {"ph": 7.4, "turbidity": 0.3, "chlorine": 0.5 if i < 6 else 0.1})
                for i in range(10)]
    store(readings)
    found = api("/api/water/quality", start=now - 3600_000, end=now + 1)
    assert found["limits"]["chlorine"]["min"] == 0.2
    (item,) = found["items"]
    assert (item["device_id"], item["dma"], item["status"]) == ("wq-1", "dma-1", "out_of_limits")
    chlorine = item["parameters"]["chlorine"]
    assert (chlorine["value"], chlorine["status"]) == (0.1, "low")
    assert (chlorine["min"], chlorine["max"], chlorine["samples"]) == (0.1, 0.5, 10)
    assert chlorine["compliance_pct"] == pytest.approx(60.0)
    assert item["parameters"]["ph"]["status"] == "ok"
    assert found["out_of_limits"] == 1


def test_quality_bad_input(client, viewer_headers):
    response = client.get("/api/water/quality", query_string={"start": "soon"},
                          headers=viewer_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "start"
    response = client.get("/api/water/quality", query_string={"start": 2000, "end": 1000},
                          headers=viewer_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "end"


def test_default_rule_raises_a_low_chlorine_alarm(app, dmas):
    with app.app_context():
        events.create_default_rules()
        names = set(db.session.scalars(select(AlertRule.name)))
        db.session.remove()
    assert {"Low water free chlorine", "High water turbidity"} <= names
    now = now_ms() // MINUTE * MINUTE
    with app.app_context():  # the rule engine the ingest pipeline feeds, fed directly
        get_engine(app).evaluate([Point("wq-1", "chlorine", now - (5 - i) * 5 * MINUTE, 0.05,
                                        None) for i in range(6)])
        alarms = [(a.originator_id, a.severity, a.domain) for a in db.session.scalars(
            select(Alarm).where(Alarm.active.is_(True)))]
        db.session.remove()
    assert alarms == [("wq-1", "major", "water")]
