"""The one time parser: ISO 8601, epoch milliseconds, or relative (-24h)."""

import re
import time
from datetime import UTC, datetime

from smartcity.errors import bad_request

_RELATIVE = re.compile(r"^-(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_MIN_MS = 0
_MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def parse_time(value, field: str = "ts", now: int | None = None) -> int:
    """Return UTC epoch ms for an ISO 8601 string, epoch ms number, or '-24h'."""
    if isinstance(value, bool) or value is None:
        raise bad_request("expected ISO 8601 time, epoch ms or relative like -24h", field)
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise bad_request("time is not finite", field)
        ms = int(value)
    elif isinstance(value, str):
        text = value.strip()
        match = _RELATIVE.match(text)
        if match:
            base = now_ms() if now is None else now
            ms = base - int(float(match.group(1)) * _UNIT_MS[match.group(2)])
        elif re.fullmatch(r"\d{1,16}", text):
            ms = int(text)
        else:
            ms = _parse_iso(text, field)
    else:
        raise bad_request("expected ISO 8601 time, epoch ms or relative like -24h", field)
    if not _MIN_MS <= ms <= _MAX_MS:
        raise bad_request("time out of range", field)
    return ms


def _parse_iso(text: str, field: str) -> int:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise bad_request("invalid ISO 8601 time", field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def iso(value) -> str | None:
    """Format a datetime or epoch ms as ISO 8601 UTC with a Z suffix."""
    if value is None:
        return None
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value / 1000, UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_datetime(value, field: str) -> datetime:
    """parse_time, as an aware UTC datetime."""
    return datetime.fromtimestamp(parse_time(value, field) / 1000, UTC)
