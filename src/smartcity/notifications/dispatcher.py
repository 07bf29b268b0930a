"""The delivery worker: alarm events become committed delivery rows, a thread sends them.

The alarm listener runs in the caller's thread (often the telemetry writer), so it only inserts
rows and wakes the worker. The worker claims one due row at a time with a conditional UPDATE that
also moves next_attempt_at forward by a lease: of several processes only one sends a delivery,
and a delivery whose sender died is picked up again once the lease runs out. Backoff is computed
from the attempt count and the `now` passed in, so tests drive retries with run_due(now).
"""

import atexit
import logging
import random
import threading
from datetime import UTC, datetime

import orjson
from sqlalchemy import delete, func, select, update

from smartcity.extensions import db
from smartcity.notifications import chat, email, people, push, sms, webhook
from smartcity.notifications.models import NotificationDelivery, PushSubscription
from smartcity.security.egress import Policy
from smartcity.timeutil import now_ms

log = logging.getLogger(__name__)
T = NotificationDelivery
ALWAYS = ("created", "acked", "cleared")  # "updated" only when the severity changed


def plan(action: str, rule: dict | None, smtp_enabled: bool) -> list[dict]:
    """The deliveries a rule's notify settings ask for: [{channel, target, secret}]."""
    notify = (rule or {}).get("notify") or {}
    targets = []
    if notify.get("webhook_url"):
        targets.append({"channel": "webhook", "target": str(notify["webhook_url"]).strip(),
                        "secret": notify.get("webhook_secret") or None})
    recipients = notify.get("email_to") or []
    if isinstance(recipients, str):
        recipients = [recipients]
    if smtp_enabled:
        for address in dict.fromkeys(str(a).strip() for a in recipients if str(a).strip()):
            targets.append({"channel": "email", "target": address, "secret": None})
    return targets


def event_payload(action: str, alarm: dict, rule: dict) -> dict:
    """The event as stored and sent: {"event", "alarm", "rule": {"id", "name"}}."""
    alarm = orjson.loads(orjson.dumps(alarm, default=str, option=orjson.OPT_NON_STR_KEYS))
    return {"event": f"alarm.{action}", "alarm": alarm,
            "rule": {"id": rule.get("id"), "name": rule.get("name")} if rule else None}


def backoff_ms(attempts: int, base_s: float, max_s: float, rand=random.random) -> int:
    """Wait before attempt attempts+1: base·2^(attempts-1), capped, with 50-100 % jitter."""
    delay = min(max_s, base_s * 2 ** max(0, attempts - 1))
    return int(delay * (0.5 + rand() / 2) * 1000)


def _datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class Dispatcher:
    def __init__(self, app):
        self.app = app
        self.wake_event = threading.Event()
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.rand = random.random
        self.composers: dict = {}
        self.stats = {"enqueued": 0, "attempts": 0, "delivered": 0, "retried": 0, "failed": 0}

    @property
    def engine(self):
        return self.app.extensions["smartcity.db"].engine

    # -- producer (runs in the caller's thread, inside its app context) ----------------------
    def on_alarm(self, action: str, alarm: dict, rule: dict | None) -> None:
        """Alarm listener: queue the deliveries the rule asks for and wake the worker."""
        try:
            created = self.enqueue(action, alarm, rule)
        except Exception:  # a notification problem must never break alarm handling
            log.exception("could not queue notifications for alarm %s", alarm.get("id"))
            db.session.rollback()
            return
        if created:
            self.wake()

    def enqueue(self, action: str, alarm: dict, rule: dict | None,
                now: int | None = None) -> list[int]:
        """Insert and commit one pending delivery per channel and target of the rule, and
        those of the people whose preferences ask for this alarm; return their ids."""
        targets = plan(action, rule, email.enabled(self.app.config))
        if action not in (*ALWAYS, "updated"):
            return []
        if targets and action == "updated" and not self._severity_changed(alarm):
            targets = []
        event = event_payload(action, alarm, rule)
        due = now_ms() if now is None else now
        rows = self._rows(event, targets, action, alarm.get("id"), (rule or {}).get("id"), due)
        rows += people.enqueue(self.app, action, alarm, rule, event, due)
        return self._commit(rows)

    def enqueue_event(self, event: dict, targets: list[dict], action: str,
                      alarm_id: int | None = None, rule_id: int | None = None,
                      now: int | None = None) -> list[int]:
        """Insert and commit one pending delivery of any event ({"event": name, ...}) per
        target {channel, target, secret}; the worker sends them like alarm events."""
        due = now_ms() if now is None else now
        return self._commit(self._rows(event, targets, action, alarm_id, rule_id, due))

    def _rows(self, event, targets, action, alarm_id, rule_id, due) -> list:
        rows = [T(alarm_id=alarm_id, rule_id=rule_id, action=action, channel=t["channel"],
                  target=t["target"], secret=t.get("secret"), payload=event,
                  status="pending", attempts=0, next_attempt_at=due) for t in targets]
        db.session.add_all(rows)
        db.session.flush()
        return rows

    def _commit(self, rows: list) -> list[int]:
        db.session.commit()
        self.stats["enqueued"] += len(rows)
        return [row.id for row in rows]

    def add_composer(self, prefix: str, compose) -> None:
        """E-mails of events named `<prefix>.*` are composed by compose(event) ->
        (subject, text, [(filename, mimetype, bytes)]), in an app context; alarms by email."""
        self.composers[prefix] = compose

    def _compose(self, event: dict):
        compose = self.composers.get(str(event.get("event", "")).split(".", 1)[0])
        if compose is None:
            return None
        with self.app.app_context():
            return compose(event)

    def _severity_changed(self, alarm: dict) -> bool:
        last = db.session.scalar(select(T.payload).where(T.alarm_id == alarm.get("id"),
                                                         T.user_id.is_(None))
                                 .order_by(T.id.desc()).limit(1))
        return last is not None and last["alarm"].get("severity") != alarm.get("severity")

    # -- sending -----------------------------------------------------------------------------
    def run_due(self, now: int | None = None, limit: int = 100) -> dict:
        """Attempt every delivery due at `now` (epoch ms) that this process claims."""
        now = now_ms() if now is None else now
        counts = {"delivered": 0, "retrying": 0, "failed": 0}
        with self.engine.connect().execution_options(read_only=True) as conn:
            ids = conn.scalars(select(T.id).where(T.status == "pending", T.next_attempt_at <= now)
                               .order_by(T.next_attempt_at, T.id).limit(limit)).all()
        for delivery_id in ids:
            row = self._claim(delivery_id, now)
            if row is not None:
                counts[self._record(row, self._attempt(row), now)] += 1
        return counts

    def _lease_ms(self) -> int:
        # Long enough for one attempt (SMTP may take a few timeouts in a row).
        return int(self.app.config["NOTIFY_TIMEOUT_S"] * 4 * 1000 + 60_000)

    def _claim(self, delivery_id: int, now: int):
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(T).where(T.id == delivery_id, T.status == "pending",
                                T.next_attempt_at <= now)
                .values(attempts=T.attempts + 1, next_attempt_at=now + self._lease_ms(),
                        last_attempt_at=_datetime(now))).rowcount
            if claimed != 1:
                return None
            return conn.execute(select(T.id, T.channel, T.target, T.payload, T.secret,
                                       T.attempts, T.user_id).where(T.id == delivery_id)).one()

    def _attempt(self, row) -> webhook.Outcome:
        config = self.app.config
        self.stats["attempts"] += 1
        policy = Policy.from_setting(config["WEBHOOK_ALLOWED_TARGETS"])
        try:
            if row.channel == "webhook":
                sent_at = datetime.now(UTC).isoformat(timespec="milliseconds")
                return webhook.send(row.target, row.id, row.payload, row.secret,
                                    sent_at.replace("+00:00", "Z"), config["NOTIFY_TIMEOUT_S"],
                                    policy=policy)
            if row.channel == "email":
                return email.send(config, row.target, row.id, row.payload,
                                  self._compose(row.payload))
            if row.channel == "sms":
                return sms.send(config, row.target, row.payload, policy)
            if row.channel == "chat":
                return chat.send(row.target, row.payload, config["NOTIFY_TIMEOUT_S"], policy)
            if row.channel == "push":
                return self._push(row, policy)
            return webhook.Outcome(ok=False, error=f"unknown channel {row.channel}")
        except Exception as exc:  # a bug in one delivery must not stop the others
            log.exception("notification delivery %s failed unexpectedly", row.id)
            return webhook.Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])

    def _push(self, row, policy: Policy) -> webhook.Outcome:
        with self.engine.connect().execution_options(read_only=True) as conn:
            sub = conn.execute(select(PushSubscription.endpoint, PushSubscription.p256dh,
                                      PushSubscription.auth)
                               .where(PushSubscription.endpoint == row.target,
                                      PushSubscription.user_id == row.user_id)).first()
        if sub is None:
            return webhook.Outcome(ok=False, error="the push subscription was removed")
        outcome = push.send(self.app.config, {"endpoint": sub.endpoint, "keys": {
            "p256dh": sub.p256dh, "auth": sub.auth}}, row.payload, policy)
        if outcome.status_code in push.GONE:  # the browser unsubscribed or the user left it
            with self.engine.begin() as conn:
                conn.execute(delete(PushSubscription).where(
                    PushSubscription.endpoint == row.target))
            outcome.error = f"subscription gone ({outcome.error})"[:500]
        return outcome

    def _record(self, row, outcome: webhook.Outcome, now: int) -> str:
        config = self.app.config
        values = {"last_status_code": outcome.status_code}
        if outcome.ok:
            result = "delivered"
            values.update(status="delivered", next_attempt_at=None,
                          delivered_at=_datetime(now))
        elif outcome.retry and row.attempts < config["NOTIFY_MAX_ATTEMPTS"]:
            result = "retrying"
            wait = backoff_ms(row.attempts, config["NOTIFY_BACKOFF_BASE_S"],
                              config["NOTIFY_BACKOFF_MAX_S"], self.rand)
            if outcome.retry_after_s is not None:  # the receiver asked us to slow down
                wait = max(wait, int(min(outcome.retry_after_s,
                                         config["NOTIFY_BACKOFF_MAX_S"]) * 1000))
            values.update(status="pending", next_attempt_at=now + wait, last_error=outcome.error)
        else:
            result = "failed"
            values.update(status="failed", next_attempt_at=None, last_error=outcome.error)
        with self.engine.begin() as conn:
            conn.execute(update(T).where(T.id == row.id).values(**values))
        self.stats[{"retrying": "retried"}.get(result, result)] += 1
        if result == "failed":
            log.warning("notification %s to %s failed after %s attempts: %s",
                        row.id, row.target, row.attempts, outcome.error)
        return result

    def next_due_in(self, now: int | None = None) -> float | None:
        """Seconds until the earliest pending delivery is due (0 if overdue), None if none."""
        now = now_ms() if now is None else now
        with self.engine.connect().execution_options(read_only=True) as conn:
            due = conn.scalar(select(func.min(T.next_attempt_at)).where(T.status == "pending"))
        return None if due is None else max(0.0, (due - now) / 1000)

    # -- the worker thread and the scheduler job ---------------------------------------------
    def wake(self) -> None:
        """Have the worker look for due deliveries now (starting it if it may run)."""
        if self.app.config["NOTIFY_WORKER"]:
            self.start()
        self.wake_event.set()

    def sweep(self) -> dict:
        """Scheduler job: hand due retries to the worker, or send them here when it is off."""
        if self.app.config["NOTIFY_WORKER"]:
            self.wake()
            return {"worker": self.alive()}
        return self.run_due()

    def start(self) -> None:
        if self.alive():
            return
        with self._start_lock:
            if not self.alive():
                self.stop_event.clear()
                self.thread = threading.Thread(target=self._loop, name="notification-worker",
                                               daemon=True)
                self.thread.start()
                atexit.register(self.stop)

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.wake_event.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def _loop(self) -> None:
        idle = self.app.config["NOTIFY_SWEEP_INTERVAL"]
        while not self.stop_event.is_set():
            self.wake_event.clear()
            try:
                counts = self.run_due()
                due = self.next_due_in()
                busy = sum(counts.values()) >= 100
                wait = 0 if busy else min(idle, idle if due is None else due)
            except Exception:
                log.exception("notification worker pass failed")
                wait = 5
            self.wake_event.wait(wait)


def get_dispatcher(app) -> Dispatcher:
    return app.extensions["smartcity.notifications"]
