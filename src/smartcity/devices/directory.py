"""Who may send readings: a per-process cache of device identities, so that ingest (HTTP and
MQTT) does not query the registry for every reading.

A change committed through this process (key rotation, disable, delete) is forgotten at once.
With REDIS_URL set, it is announced on Redis pub/sub and every other process forgets it too
(DESIGN: in-process caches are invalidated across processes through Redis); a process that
(re)subscribes starts from an empty cache, since it may have missed announcements. Without
Redis, entries also expire after DEVICE_CACHE_TTL seconds, which bounds how long another process
may act on a stale entry; 0 turns the cache off.
"""

import logging
import random
import threading
import time
from typing import NamedTuple

import orjson
import redis
from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import object_session

from smartcity.database import after_commit
from smartcity.devices.models import Device
from smartcity.extensions import db


class DeviceIdentity(NamedTuple):
    id: str
    type: str
    status: str
    gateway_id: str | None
    key_prefix: str | None
    key_hash: str | None


_COLUMNS = (Device.id, Device.type, Device.status, Device.gateway_id, Device.key_prefix,
            Device.key_hash)
_EXTENSION = "smartcity.device_directory"
SNAPSHOT_MAX = 50_000  # above this many devices, look them up one by one instead
log = logging.getLogger(__name__)


class DeviceDirectory:
    def __init__(self, app, ttl: float):
        self.app = app
        self.ttl = ttl
        self._engine = None
        redis_url = app.config.get("REDIS_URL")
        self.announcer = (Announcer(redis_url, f"{app.config['SOCKETIO_CHANNEL']}.devices",
                                    self.forget, self.clear) if redis_url else None)
        self._by_prefix: dict[str, tuple[DeviceIdentity, float]] = {}
        self._by_id: dict[str, tuple[DeviceIdentity, float]] = {}
        self._snapshot_expires = 0.0
        self._lock = threading.Lock()

    def by_key_prefix(self, prefix: str) -> DeviceIdentity | None:
        """The device whose API key starts with `prefix`, or None."""
        return self._lookup(self._by_prefix, prefix, Device.key_prefix)

    def by_id(self, device_id: str) -> DeviceIdentity | None:
        return self._lookup(self._by_id, device_id, Device.id)

    def status(self, device_id: str) -> str | None:
        """'active', 'disabled', or None for an unknown device."""
        identity = self.by_id(device_id)
        return identity.status if identity is not None else None

    def _lookup(self, index: dict, key: str, column) -> DeviceIdentity | None:
        if self.announcer is not None:
            self.announcer.listen()
        now = time.monotonic()
        entry = index.get(key)
        if entry is not None and entry[1] > now:
            return entry[0]
        if self.ttl > 0 and self._snapshot_expires <= now:
            self._load_all(now)  # one query for the whole fleet instead of one per device
            entry = index.get(key)
            if entry is not None and entry[1] > now:
                return entry[0]
        # Unknown keys are looked up every time and never cached: a device registered a moment
        # ago in another process must be accepted at once.
        identity = self._query_one(column == key)
        if identity is not None:
            self._remember(identity, now)
        return identity

    def changed(self, device_id: str, key_prefix: str | None = None) -> None:
        """A change to the device was committed: forget it here and in every other process."""
        self.forget(device_id, key_prefix)
        if self.announcer is not None:
            self.announcer.announce(device_id, key_prefix)

    def forget(self, device_id: str, key_prefix: str | None = None) -> None:
        """Drop what is cached about a device in this process."""
        with self._lock:
            entry = self._by_id.pop(device_id, None)
            for prefix in {key_prefix, entry[0].key_prefix if entry else None} - {None}:
                self._by_prefix.pop(prefix, None)

    def clear(self) -> None:
        with self._lock:
            self._by_prefix.clear()
            self._by_id.clear()
            self._snapshot_expires = 0.0

    # -- loading -------------------------------------------------------------------------------
    @property
    def engine(self):
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine

    def _query_one(self, condition) -> DeviceIdentity | None:
        with self.engine.connect().execution_options(read_only=True) as conn:
            row = conn.execute(select(*_COLUMNS).where(condition)).first()
        return DeviceIdentity(*row) if row is not None else None

    def _load_all(self, now: float) -> None:
        with self.engine.connect().execution_options(read_only=True) as conn:
            rows = conn.execute(select(*_COLUMNS).limit(SNAPSHOT_MAX + 1)).all()
        if len(rows) > SNAPSHOT_MAX:
            self._snapshot_expires = float("inf")  # a big fleet: cache devices as they call
            return
        expires = now + self.ttl
        with self._lock:
            for row in rows:
                self._put(DeviceIdentity(*row), expires)
            self._snapshot_expires = expires

    def _remember(self, identity: DeviceIdentity, now: float) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._put(identity, now + self.ttl)

    def _put(self, identity: DeviceIdentity, expires: float) -> None:
        """Index an identity by id and key prefix (the caller holds the lock)."""
        self._by_id[identity.id] = (identity, expires)
        if identity.key_prefix:
            self._by_prefix[identity.key_prefix] = (identity, expires)


class Announcer:
    """Device changes over Redis pub/sub: announce ours, apply the others' (a daemon thread)."""

    def __init__(self, url: str, channel: str, forget, reset):
        self.url, self.channel, self.forget, self.reset = url, channel, forget, reset
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._client = None
        self.subscribed = False

    def announce(self, device_id: str, key_prefix: str | None) -> None:
        try:
            if self._client is None:
                self._client = redis.Redis.from_url(self.url, socket_connect_timeout=2,
                                                    socket_timeout=2)
            self._client.publish(self.channel, orjson.dumps({"id": device_id,
                                                             "key_prefix": key_prefix}))
        except redis.RedisError as exc:  # others fall back to DEVICE_CACHE_TTL
            log.warning("could not announce a device change on Redis: %s", exc)

    def listen(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, daemon=True,
                                                    name="device-directory-redis")
                    self._thread.start()

    def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                client = redis.Redis.from_url(self.url, socket_connect_timeout=5,
                                              health_check_interval=30)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self.reset()  # what was announced while we were not subscribed is unknown
                self.subscribed, delay = True, 0.5
                for message in pubsub.listen():
                    change = orjson.loads(message["data"])
                    self.forget(change["id"], change.get("key_prefix"))
            except Exception as exc:  # keep trying; meanwhile entries still expire
                self.subscribed = False
                log.warning("device directory lost Redis (%s); retrying", exc)
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 30.0)


# -- forgetting changed devices once their change is committed --------------------------------
_IDENTITY_FIELDS = ("type", "status", "gateway_id", "key_prefix", "key_hash")


@event.listens_for(Device, "after_update")
def _device_updated(_mapper, _connection, device) -> None:
    state = inspect(device)
    if any(state.attrs[name].history.has_changes() for name in _IDENTITY_FIELDS):
        old_prefix = state.attrs.key_prefix.history.deleted
        _forget_on_commit(device, old_prefix[0] if old_prefix else None)


@event.listens_for(Device, "after_delete")
def _device_deleted(_mapper, _connection, device) -> None:
    _forget_on_commit(device, device.key_prefix)


def _forget_on_commit(device: Device, key_prefix: str | None) -> None:
    session = object_session(device)
    directory = current_app.extensions.get(_EXTENSION) if has_app_context() else None
    if session is not None and directory is not None:
        device_id = device.id
        after_commit(session, ("device", device_id, key_prefix),
                     lambda: directory.changed(device_id, key_prefix))


def init_app(app) -> DeviceDirectory:
    directory = DeviceDirectory(app, app.config["DEVICE_CACHE_TTL"])
    app.extensions[_EXTENSION] = directory
    return directory


def device_directory(app=None) -> DeviceDirectory:
    return (app or current_app).extensions[_EXTENSION]
