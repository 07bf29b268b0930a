"""Wire broker accounts into an app: the applier kicked after a commit that queued a change,
and a scheduler job that retries what a broker outage left behind."""

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from smartcity.jobs.scheduler import get_scheduler
from smartcity.mqtt.accounts.apply import Applier, apply_pending, configured
from smartcity.mqtt.accounts.queue import CHANGED

RETRY_INTERVAL = 30  # seconds between retries of changes the broker did not take


def _after_commit(session) -> None:
    if session.info.pop(CHANGED, None) and has_app_context():
        applier = current_app.extensions.get("smartcity.broker_accounts")
        if applier is not None:
            applier.kick()


def _after_rollback(session) -> None:
    session.info.pop(CHANGED, None)


def init_app(app) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
    if not configured(app):
        return
    get_scheduler(app).register("broker_accounts", RETRY_INTERVAL, apply_pending)
    if app.config["START_BACKGROUND"]:
        app.extensions["smartcity.broker_accounts"] = Applier(app)
