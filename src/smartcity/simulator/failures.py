"""Failure modes for drills: devices dropping offline, bursts, out-of-order and duplicate
messages, malformed payloads. Rates are chosen on the command line; all default to zero."""

import random
from dataclasses import dataclass, field

import orjson


@dataclass
class Failures:
    drop_rate: float = 0.0  # share of devices dropping offline per simulated hour
    burst_rate: float = 0.0  # share of devices holding back readings, then flushing, per hour
    reorder_rate: float = 0.0  # share of readings sent after the next one
    duplicate_rate: float = 0.0  # share of readings sent twice
    malformed_rate: float = 0.0  # share of payloads broken on purpose

    @property
    def any(self) -> bool:
        return any((self.drop_rate, self.burst_rate, self.reorder_rate, self.duplicate_rate,
                    self.malformed_rate))


MALFORMED = [
    lambda r: orjson.dumps(r)[:-7],  # truncated JSON
    lambda r: b"\xff\xfe not json",
    lambda r: orjson.dumps({"ts": r["ts"], "values": "not an object"}),
    lambda r: orjson.dumps({"ts": "the day after tomorrow", "values": r["values"]}),
    lambda r: orjson.dumps({"ts": r["ts"] + 86_400_000, "values": r["values"]}),  # future
    lambda r: orjson.dumps({"ts": r["ts"], "values": {"bad key!": 1}}),
    lambda r: orjson.dumps([]),
]


def malformed(rng: random.Random, reading: dict) -> bytes:
    return rng.choice(MALFORMED)(reading)


@dataclass
class DeviceLink:
    """What a device's connection is doing: up, offline until a time, or holding readings."""

    offline_until: float | None = None  # wall clock (monotonic)
    hold_left: int = 0  # readings still to hold back in a burst
    buffer: list = field(default_factory=list)
    held: dict | None = None  # one reading kept back to send out of order

    MAX_BUFFER = 500

    def keep(self, reading: dict) -> None:
        if len(self.buffer) < self.MAX_BUFFER:
            self.buffer.append(reading)

    def take(self) -> list:
        buffered, self.buffer = self.buffer, []
        return buffered
