"""Which devices may publish: a small cache so the MQTT loop does not query per message.

Entries live DEVICE_CACHE_TTL seconds, so disabling a device takes effect within that time.
"""

import threading
import time

from sqlalchemy import select

from smartcity.devices.models import Device


class DeviceDirectory:
    def __init__(self, engine, ttl: float):
        self.engine = engine
        self.ttl = ttl
        self._entries: dict[str, tuple[str | None, float]] = {}  # id -> (status, expires)
        self._lock = threading.Lock()

    def status(self, device_id: str) -> str | None:
        """'active', 'disabled', or None for an unknown device."""
        now = time.monotonic()
        entry = self._entries.get(device_id)
        if entry is not None and entry[1] > now:
            return entry[0]
        with self.engine.connect().execution_options(read_only=True) as conn:
            status = conn.scalar(select(Device.status).where(Device.id == device_id))
        with self._lock:
            self._entries[device_id] = (status, now + self.ttl)
        return status

    def forget(self, device_id: str) -> None:
        self._entries.pop(device_id, None)
