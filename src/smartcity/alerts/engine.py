"""Evaluate committed readings against the enabled rules, in the writer thread, per batch.

Cost is O(points) dictionary lookups plus O(matches) rule steps: rules are indexed by key and
then by device (device_id scopes) or kept in a short per-key list (type/domain/asset scopes),
points of keys without rules are dropped in one pass, device facts come from a cache filled by
one query per batch for the devices it has not seen, and alarm writes are merged per
(rule, device) into one event per batch. The per-batch version query is the only database
read when nothing fires.

State (for-duration timers, EWMA statistics, whether an alarm is open) lives in this process:
see setup.py for what that means with several processes.
"""

import logging
import time
from collections import defaultdict
from operator import itemgetter

from sqlalchemy import insert, select

from smartcity.alerts import rule_service, service
from smartcity.alerts.models import Alarm, AlertRule, AnomalyFlag
from smartcity.alerts.rules import (
    CLEAR,
    OPERATORS,
    RAISE,
    AnomalySpec,
    ThresholdSpec,
    ThresholdState,
    is_idle,
    peak_direction,
    step_anomaly,
    step_threshold,
)
from smartcity.devices.models import Device
from smartcity.extensions import db

log = logging.getLogger(__name__)
SCOPE_FIELD = {"device_type": 0, "domain": 1, "asset_id": 2}  # index into a device's facts
DEVICE_TTL_S = 30.0  # device type/domain/asset may be edited; re-read them this often
SYNC_S = 30.0  # re-read which alarms are open (another process or an operator may clear them)


class Compiled:
    """A rule in the shape the hot loop wants."""

    __slots__ = ("id", "type", "kind", "scope_type", "scope_index", "scope_value", "key", "test",
                 "threshold", "spec", "severity", "direction", "fingerprint", "details")

    def __init__(self, rule: AlertRule):
        self.id, self.type, self.kind, self.key = rule.id, rule.alarm_type, rule.kind, rule.key
        self.scope_type, self.scope_value = rule.scope_type, rule.scope_value
        self.scope_index = SCOPE_FIELD.get(rule.scope_type)
        self.severity = rule.severity
        if rule.kind == "threshold":
            self.test, self.threshold = OPERATORS[rule.operator], rule.value
            self.spec = ThresholdSpec(rule.operator, rule.value, rule.clear_value,
                                      rule.for_duration_s * 1000)
            self.direction = peak_direction(rule.operator)
            self.details = {"rule": rule.name, "key": rule.key, "operator": rule.operator,
                            "threshold": rule.value, "clear_value": rule.clear_value}
        else:
            self.test = self.threshold = None
            self.spec = AnomalySpec(rule.half_life_s * 1000, rule.z_threshold, rule.warmup)
            self.direction = None
            self.details = {"rule": rule.name, "key": rule.key, "z_threshold": rule.z_threshold}
        self.fingerprint = (rule.kind, rule.scope_type, rule.scope_value, rule.key, self.spec)

    def covers(self, device_id: str, facts: tuple | None) -> bool:
        if self.scope_type == "asset_id" and device_id == self.scope_value:
            return True  # an asset's own derived values
        return facts is not None and facts[self.scope_index] == self.scope_value


class KeyRules:
    __slots__ = ("by_device", "scoped")

    def __init__(self):
        self.by_device: dict[str, list[Compiled]] = defaultdict(list)
        self.scoped: list[Compiled] = []


class Engine:
    def __init__(self, app):
        self.app = app
        self.version = None
        self.by_key: dict[str, KeyRules] = {}
        self.rules: dict[int, Compiled] = {}
        self.states: dict[tuple[int, str], tuple] = {}
        self.orphans: set[tuple[int, str]] = set()  # open anomaly alarms without statistics
        self.devices: dict[str, tuple | None] = {}
        self.devices_loaded = self.synced = 0.0
        self.stats = {"batches": 0, "points": 0, "matches": 0, "events": 0, "last_ms": 0.0}

    # -- rules, devices and open alarms --------------------------------------------------------
    def refresh(self, conn) -> None:
        """Reload rules if their version moved; re-read open alarms now and then."""
        version = rule_service.current_version(conn)
        if version != self.version:
            self._load_rules(conn)
            self.version = version
            self._sync_open(conn)
        elif time.monotonic() - self.synced > SYNC_S:
            self._sync_open(conn)
        if time.monotonic() - self.devices_loaded > DEVICE_TTL_S:
            self.devices, self.devices_loaded = {}, time.monotonic()

    def _load_rules(self, conn) -> None:
        rows = conn.execute(select(*AlertRule.__table__.c).where(
            AlertRule.enabled.is_(True), AlertRule.kind.in_(("threshold", "anomaly"))))
        old, self.rules, self.by_key = self.rules, {}, {}
        for rule in rows:
            compiled = Compiled(rule)
            self.rules[rule.id] = compiled
            index = self.by_key.setdefault(rule.key, KeyRules())
            if rule.scope_type == "device_id":
                index.by_device[rule.scope_value].append(compiled)
            else:
                index.scoped.append(compiled)
        # Keep timers and statistics of rules whose definition did not change.
        self.states = {k: s for k, s in self.states.items() if k[0] in self.rules
                       and old.get(k[0]) and old[k[0]].fingerprint == self.rules[k[0]].fingerprint}

    def _sync_open(self, conn) -> None:
        rows = conn.execute(select(Alarm.rule_id, Alarm.originator_id)
                            .where(Alarm.active.is_(True), Alarm.rule_id.is_not(None))).all()
        open_now = {(r, o) for r, o in rows if r in self.rules}
        for skey, state in list(self.states.items()):
            if state.open != (skey in open_now):
                self._store(skey, state._replace(open=skey in open_now))
        # An anomaly rule has no statistics to hang the open flag on until readings arrive.
        self.orphans = set()
        for skey in open_now - self.states.keys():
            if self.rules[skey[0]].kind == "threshold":
                self.states[skey] = ThresholdState(open=True)
            else:
                self.orphans.add(skey)
        self.synced = time.monotonic()

    def _store(self, skey, state) -> None:
        if self.rules[skey[0]].kind == "threshold" and is_idle(state):
            self.states.pop(skey, None)
        else:
            self.states[skey] = state

    def _facts(self, conn, device_ids: set[str]) -> None:
        missing = [d for d in device_ids if d not in self.devices]
        for i in range(0, len(missing), 500):
            chunk = missing[i:i + 500]
            for row in conn.execute(select(Device.id, Device.type, Device.domain, Device.asset_id)
                                    .where(Device.id.in_(chunk))):
                self.devices[row.id] = (row.type, row.domain, row.asset_id)
            for device_id in chunk:
                self.devices.setdefault(device_id, None)  # not a device: an asset's values

    # -- evaluation ----------------------------------------------------------------------------
    def evaluate(self, points) -> list:
        """Run a committed batch through the rules; apply and return the alarm changes."""
        started = time.perf_counter()
        with db.reader() as conn:
            self.refresh(conn)
            by_key = self.by_key
            if not by_key:
                return []
            # Numbers only, and only for keys some rule watches; in time order per batch.
            candidates = [p for p in points if p[1] in by_key and p[3] is not None]
            if not candidates:
                return []
            candidates.sort(key=itemgetter(2))
            self._facts(conn, {p[0] for p in candidates})
        events, flags = self._run(candidates)
        changes = self._apply(events, flags)
        self.stats["batches"] += 1
        self.stats["points"] += len(points)
        self.stats["events"] += len(events)
        self.stats["last_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return changes

    def _run(self, candidates) -> tuple[dict, list]:
        by_key, devices, states = self.by_key, self.devices, self.states
        events: dict[tuple, list] = {}
        flags, matches = [], 0
        for device_id, key, ts, value, _text in candidates:
            index = by_key[key]
            matched = index.by_device.get(device_id, ())
            if index.scoped:
                facts = devices.get(device_id)
                matched = [*matched, *(r for r in index.scoped if r.covers(device_id, facts))]
            for rule in matched:
                matches += 1
                skey = (rule.id, device_id)
                state = states.get(skey)
                if rule.test is not None:
                    # The common case: a normal reading and nothing pending or open.
                    if state is None and not rule.test(value, rule.threshold):
                        continue
                    state, action = step_threshold(rule.spec, state, ts, value)
                    details = rule.details
                else:
                    if state is None and skey in self.orphans:
                        self.orphans.discard(skey)
                        state, z, action = step_anomaly(rule.spec, None, ts, value)
                        state = state._replace(open=True)
                    else:
                        state, z, action = step_anomaly(rule.spec, state, ts, value)
                    if action == RAISE:
                        flags.append({"device_id": device_id, "key": key, "ts": ts,
                                      "rule_id": rule.id, "score": z})
                    details = {**rule.details, "z": z} if z is not None else rule.details
                self._store(skey, state)
                if action is not None:
                    _merge(events.setdefault(skey, []), rule, action, device_id, ts, value,
                           details)
        self.stats["matches"] += matches
        return events, flags

    def _apply(self, events: dict, flags: list) -> list:
        if not events:
            return []
        ordered = []
        for (_rule_id, device_id), items in events.items():
            facts = self.devices.get(device_id)
            for event in items:
                event.originator_type = "device" if facts is not None else "asset"
                event.domain = facts[1] if facts is not None else None
                ordered.append(event)
        try:
            if flags:
                db.session.execute(insert(AnomalyFlag), flags)
            return service.apply_events(ordered)
        except Exception:
            log.exception("applying %d alarm events failed", len(ordered))
            db.session.rollback()
            self.synced = 0.0  # our idea of open alarms may be wrong now
            return []
        finally:
            db.session.remove()


def _merge(items: list, rule: Compiled, action: str, device_id: str, ts: int, value: float,
           details: dict) -> None:
    """Fold consecutive repeats of one (rule, device) into one event for the whole batch."""
    last = items[-1] if items else None
    if action == RAISE and last is not None and last.action == RAISE:
        last.count += 1
        last.ts, last.value, last.details = ts, value, details
        if rule.direction == "min":
            last.peak = min(last.peak, value)
        elif rule.direction == "max":
            last.peak = max(last.peak, value)
        else:
            last.peak = value
        return
    if action == CLEAR:
        items.append(service.Event(CLEAR, "device", device_id, rule.type, rule_id=rule.id, ts=ts))
        return
    items.append(service.Event(RAISE, "device", device_id, rule.type, rule.severity, details,
                               value, rule_id=rule.id, ts=ts, first_ts=ts, count=1, peak=value,
                               direction=rule.direction))
