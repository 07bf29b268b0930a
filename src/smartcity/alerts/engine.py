"""Evaluate committed readings against the enabled rules, in the writer thread, per batch.

Cost is one dictionary lookup per point plus one rule step per (point, matching rule): points of
keys no rule watches are dropped in one pass; the rules that apply to a (device, key) pair are
resolved once (by device id, type, domain, asset) and cached; device facts come from a cache
filled by one query for the devices a batch brings that it has not seen; alarm writes are merged
per (rule, device) into one event per batch. When nothing fires, the per-batch version query is
the only database read.

State (for-duration timers, EWMA statistics, whether an alarm is open) lives in this process:
see setup.py for what that means with several processes.
"""

import logging
import math
import time
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
DEVICE_TTL_S = 30.0  # device type/domain/asset may be edited; re-read them this often
# Rules changed through another process apply within this; through this one, at once.
VERSION_CHECK_S = 1.0
SYNC_S = 30.0  # re-read which alarms are open (another process or an operator may clear them)


class Compiled:
    """A rule in the shape the hot loop wants."""

    __slots__ = ("id", "type", "kind", "scope", "key", "test", "threshold", "spec", "severity",
                 "direction", "fingerprint", "details")

    def __init__(self, rule: AlertRule):
        self.id, self.type, self.kind, self.key = rule.id, rule.alarm_type, rule.kind, rule.key
        self.scope = (rule.scope_type, rule.scope_value)
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


class Resolved:
    """The rules that apply to one (device, key), and the band of values none of them breaches."""

    __slots__ = ("rules", "always", "low", "high")

    def __init__(self, rules: list[Compiled]):
        self.rules = rules
        # Anomaly and equality rules have no quiet band: they see every reading.
        self.always = [r for r in rules if r.test is None or r.spec.op in ("==", "!=")]
        self.high = min((r.threshold for r in rules if r.test is not None
                         and r.spec.op in (">", ">=")), default=math.inf)
        self.low = max((r.threshold for r in rules if r.test is not None
                        and r.spec.op in ("<", "<=")), default=-math.inf)


class OnDemandReader:
    """A read-only connection opened at first use: checking one out and back costs more than
    most batches' evaluation."""

    def __init__(self):
        self._conn = None

    @property
    def conn(self):
        if self._conn is None:
            self._conn = db.reader()
        return self._conn

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._conn is not None:
            self._conn.close()


class Engine:
    def __init__(self, app):
        self.app = app
        self.version = None
        self.by_key: dict[str, dict[tuple, list[Compiled]]] = {}  # key -> scope -> rules
        self.resolved: dict[tuple[str, str], Resolved] = {}  # (device, key) -> rules
        self.rules: dict[int, Compiled] = {}
        self.states: dict[tuple[int, str], tuple] = {}  # (rule id, device) -> rule state
        # (device, key) pairs that may have threshold state; a superset, rebuilt at each sync.
        self.hot: set[tuple[str, str]] = set()
        self.orphans: set[tuple[int, str]] = set()  # open anomaly alarms without statistics
        self.devices: dict[str, tuple | None] = {}
        self.devices_loaded = self.synced = self.version_checked = 0.0
        self.stats = {"batches": 0, "points": 0, "rule_steps": 0, "events": 0, "last_ms": 0.0,
                      "last_match_ms": 0.0, "last_apply_ms": 0.0}

    # -- rules, devices and open alarms --------------------------------------------------------
    def rules_changed(self) -> None:
        """A rule change was committed in this process: look at the version on the next batch."""
        self.version_checked = 0.0

    def refresh(self, reader: "OnDemandReader") -> None:
        """Reload rules if their version moved; re-read open alarms now and then."""
        now = time.monotonic()
        version = self.version
        if now - self.version_checked >= VERSION_CHECK_S:
            version = rule_service.current_version(reader.conn)
            self.version_checked = now
        if version != self.version:
            self._load_rules(reader.conn)
            self.version = version
            self._sync_open(reader.conn)
        elif now - self.synced > SYNC_S:
            self._sync_open(reader.conn)
        if time.monotonic() - self.devices_loaded > DEVICE_TTL_S:
            self.devices, self.devices_loaded, self.resolved = {}, time.monotonic(), {}

    def _load_rules(self, conn) -> None:
        rows = conn.execute(select(*AlertRule.__table__.c).where(
            AlertRule.enabled.is_(True), AlertRule.kind.in_(("threshold", "anomaly"))))
        old, self.rules, self.by_key, self.resolved = self.rules, {}, {}, {}
        for rule in rows:
            compiled = Compiled(rule)
            self.rules[rule.id] = compiled
            self.by_key.setdefault(rule.key, {}).setdefault(compiled.scope, []).append(compiled)
        # Keep timers and statistics of rules whose definition did not change.
        self.states = {k: s for k, s in self.states.items() if k[0] in self.rules
                       and old.get(k[0]) and old[k[0]].fingerprint == self.rules[k[0]].fingerprint}

    def _sync_open(self, conn) -> None:
        rows = conn.execute(select(Alarm.rule_id, Alarm.originator_id)
                            .where(Alarm.active.is_(True), Alarm.rule_id.is_not(None))).all()
        open_now = {(r, o) for r, o in rows if r in self.rules}
        for skey, state in list(self.states.items()):
            if state.open != (skey in open_now):
                state = state._replace(open=skey in open_now)
                self.states[skey] = state
                if isinstance(state, ThresholdState) and is_idle(state):
                    del self.states[skey]
        # An anomaly rule has no statistics to hang the open flag on until readings arrive.
        self.orphans = set()
        for skey in open_now - self.states.keys():
            if self.rules[skey[0]].kind == "threshold":
                self.states[skey] = ThresholdState(open=True)
            else:
                self.orphans.add(skey)
        self.hot = {(device_id, self.rules[rule_id].key) for rule_id, device_id in self.states
                    if self.rules[rule_id].test is not None}
        self.synced = time.monotonic()

    def _facts(self, reader: "OnDemandReader", device_ids: set[str]) -> None:
        missing = list(device_ids - self.devices.keys())
        for i in range(0, len(missing), 500):
            chunk = missing[i:i + 500]
            for row in reader.conn.execute(select(
                    Device.id, Device.type, Device.domain, Device.asset_id).where(
                    Device.id.in_(chunk))):
                self.devices[row.id] = (row.type, row.domain, row.asset_id)
            for device_id in chunk:
                self.devices.setdefault(device_id, None)  # not a device: an asset's values

    # -- evaluation ----------------------------------------------------------------------------
    def evaluate(self, points) -> list:
        """Run a committed batch through the rules; apply and return the alarm changes."""
        started = time.perf_counter()
        with OnDemandReader() as reader:  # most batches need no query at all
            self.refresh(reader)
            by_key = self.by_key
            if not by_key:
                return []
            # Numbers only, and only for keys some rule watches; in time order per batch.
            candidates = [p for p in points if p[1] in by_key and p[3] is not None]
            if not candidates:
                return []
            candidates.sort(key=itemgetter(2))
            self._facts(reader, set(map(itemgetter(0), candidates)))
        matching = time.perf_counter()
        events, flags = self._run(candidates)
        matched = time.perf_counter()
        changes = self._apply(events, flags)
        self.stats["batches"] += 1
        self.stats["points"] += len(points)
        self.stats["events"] += len(events)
        finished = time.perf_counter()
        self.stats["last_match_ms"] = round((matched - matching) * 1000, 3)
        self.stats["last_apply_ms"] = round((finished - matched) * 1000, 3)
        self.stats["last_ms"] = round((finished - started) * 1000, 3)
        return changes

    def _resolve(self, device_id: str, key: str) -> Resolved:
        """The rules of `key` whose scope covers the device (or the asset, for its own values)."""
        facts = self.devices.get(device_id)
        scopes = [("device_id", device_id), ("asset_id", device_id)]
        if facts is not None:
            scopes += [("device_type", facts[0]), ("domain", facts[1]), ("asset_id", facts[2])]
        by_scope = self.by_key[key]
        entry = Resolved([r for scope in dict.fromkeys(scopes) for r in by_scope.get(scope, ())])
        self.resolved[(device_id, key)] = entry
        return entry

    def _run(self, candidates) -> tuple[dict, list]:
        resolved, states, hot = self.resolved, self.states, self.hot
        events: dict[tuple, list] = {}
        flags, steps = [], 0
        for device_id, key, ts, value, _text in candidates:
            pair = (device_id, key)
            entry = resolved.get(pair)
            if entry is None:
                entry = self._resolve(device_id, key)
            # Most readings breach nothing and nothing is pending: only anomaly rules look.
            rules = entry.always if entry.low < value < entry.high and pair not in hot \
                else entry.rules
            for rule in rules:
                skey = (rule.id, device_id)
                state = states.get(skey)
                if rule.test is not None:
                    if state is None and not rule.test(value, rule.threshold):
                        continue
                    state, action = step_threshold(rule.spec, state, ts, value)
                    details = rule.details
                    if is_idle(state):
                        states.pop(skey, None)
                    else:
                        states[skey] = state
                        hot.add(pair)
                else:
                    if state is None and skey in self.orphans:
                        self.orphans.discard(skey)
                        state, z, action = step_anomaly(rule.spec, None, ts, value)
                        state = state._replace(open=True)
                    else:
                        state, z, action = step_anomaly(rule.spec, state, ts, value)
                    states[skey] = state
                    if action == RAISE:
                        flags.append({"device_id": device_id, "key": key, "ts": ts,
                                      "rule_id": rule.id, "score": z})
                    details = {**rule.details, "z": z} if z is not None else rule.details
                steps += 1
                if action is not None:
                    _merge(events.setdefault(skey, []), rule, action, device_id, ts, value,
                           details)
        self.stats["rule_steps"] += steps
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
