"""The daily job plans tomorrow's collections for the bins predicted to overflow."""

from datetime import UTC, datetime, timedelta

from smartcity.extensions import db
from smartcity.waste import schedule
from smartcity.waste.collections import create_collection
from smartcity.waste.models import Collection
from tests.waste.kit import store_levels


def at(hour: int) -> int:
    today = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return int(today.timestamp() * 1000)


def test_the_job_plans_tomorrow_once_for_full_and_soon_full_bins(app, city):
    store_levels(app, "bin-1", [84, 85])  # above the threshold
    store_levels(app, "bin-2", [56, 57, 58, 59, 60])  # 2 %/h: full in 20 h, before the next day
    store_levels(app, "bin-3", [29.75, 30, 30.25, 30.5])  # 0.5 %/h: 140 h left
    store_levels(app, "bin-4", [81, 82])  # due, but already on an open round
    with app.app_context():
        app.config["WASTE_PLAN_TIME_LIMIT_S"] = 1
        assert schedule.plan_tomorrow(app, at(12))["reason"] == "not yet time"
        create_collection({"vehicle_id": "someone", "scheduled_for": at(20), "bins": ["bin-4"]})
        db.session.commit()
        done = schedule.plan_tomorrow(app, at(19))
        assert done["planned"] >= 1 and not done["dropped"]
        rounds = db.session.query(Collection).filter_by(source="daily").all()
        planned = {b["bin_id"] for c in rounds for b in c.bins}
        assert "bin-1" in planned and "bin-2" in planned
        assert "bin-3" not in planned and "bin-4" not in planned
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(
            hour=6, minute=0, second=0, microsecond=0)
        assert {c.scheduled_for for c in rounds} == {tomorrow}
        assert all(c.vehicle_id.startswith("truck-") and c.status == "planned" for c in rounds)
        assert all(c.distance_km > 0 and c.route["type"] == "LineString" for c in rounds)
        again = schedule.plan_tomorrow(app, at(20))
        assert again["reason"] == "already planned"
