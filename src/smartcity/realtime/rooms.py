"""Room names clients may join, with the seed's aliases, and alert-severity mapping."""

import re

from flask import current_app

from smartcity.domains import room_names

SEED_SEVERITIES = {"critical": "critical", "high": "major", "medium": "minor", "low": "warning"}
SEVERITIES = ("critical", "major", "minor", "warning", "info")
_ENTITY = re.compile(r"^(device|asset):[A-Za-z0-9_.:-]{1,64}\Z")


def normalise_room(room) -> str | None:
    """The canonical room for a requested name, or None if it is not a room one may join."""
    if not isinstance(room, str):
        return None
    if room.endswith("_monitoring"):
        room = room[: -len("_monitoring")]
    if room in ("alerts", "public", "overview") or room in room_names(current_app):
        return room
    if _ENTITY.match(room):
        return room
    return None


def normalise_severities(levels) -> set[str] | None:
    """Map seed levels (high/medium/low) to ours; None means every severity."""
    if not levels:
        return None
    if not isinstance(levels, list):
        raise ValueError("severity_levels must be a list")
    result = set()
    for level in levels:
        level = str(level).lower()
        mapped = SEED_SEVERITIES.get(level, level)
        if mapped not in SEVERITIES:
            raise ValueError(f"unknown severity {level}")
        result.add(mapped)
    return result
