"""Whom an alarm reaches, on which channels and when: people's notification preferences.

Pure rules over a preference (a NotificationPreference row or a dict with the same fields) and an
instant (aware UTC datetime), so that time zones and daylight-saving changes are tested without
waiting for them:

- `wants`: the alarm's severity is at least the chosen minimum, and its domain is one chosen
  (none chosen: every domain; an alarm without a domain then passes too).
- `in_quiet_hours`: the local wall-clock time (IANA zone, via zoneinfo, so DST follows the tz
  database) lies in [quiet_start, quiet_end); a start after the end spans midnight (22:00-07:00).
- `route`: "now" for an immediate preference outside quiet hours, else "digest" (held).
- `digest_due`: held events go out when quiet hours are over and the period the oldest one
  arrived in has ended: at the next local clock hour for hourly digests, at the next daily_at
  local time for daily ones (a daily_at that a spring-forward change skips comes an hour later
  that day; one that fall-back repeats comes once, at its first occurrence).
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from smartcity.realtime.rooms import SEVERITIES

RANK = {s: i for i, s in enumerate(SEVERITIES)}  # 0 is the most severe

DEFAULTS = {"enabled": False, "channels": ["email"], "min_severity": "major", "domains": [],
            "quiet_start": None, "quiet_end": None, "timezone": "UTC", "digest": "immediate",
            "daily_at": "08:00", "phone": None, "chat_url": None, "chat_style": "slack"}


def _get(pref, name):
    return pref.get(name, DEFAULTS.get(name)) if isinstance(pref, dict) else getattr(pref, name)


def parse_hhmm(text: str) -> time:
    """"HH:MM" (00:00-23:59) as a time; ValueError otherwise."""
    hours, _, minutes = str(text).partition(":")
    if len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError("use HH:MM")
    return time(int(hours), int(minutes))


def zone(name: str) -> ZoneInfo:
    """The IANA zone; ValueError for a name the tz database does not know."""
    if name not in _zone_names():
        raise ValueError("not an IANA time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("not an IANA time zone name") from exc


_ZONES: set[str] = set()


def _zone_names() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def wants(pref, alarm: dict) -> bool:
    """Does this preference ask for this alarm (severity and domain)?"""
    severity = alarm.get("severity")
    if severity not in RANK or RANK[severity] > RANK.get(_get(pref, "min_severity"), 1):
        return False
    domains = _get(pref, "domains") or []
    return not domains or alarm.get("domain") in domains


def local(pref, now: datetime) -> datetime:
    return now.astimezone(zone(_get(pref, "timezone") or "UTC"))


def in_quiet_hours(pref, now: datetime) -> bool:
    start, end = _get(pref, "quiet_start"), _get(pref, "quiet_end")
    if not start or not end:
        return False
    start, end = parse_hhmm(start), parse_hhmm(end)
    wall = local(pref, now).time().replace(second=0, microsecond=0)
    if start < end:
        return start <= wall < end
    if start > end:  # across midnight
        return wall >= start or wall < end
    return False


def route(pref, now: datetime) -> str:
    """"now" to send at once, "digest" to hold for the next digest."""
    if _get(pref, "digest") != "immediate" or in_quiet_hours(pref, now):
        return "digest"
    return "now"


def period_start(pref, now: datetime) -> datetime:
    """The start (UTC) of the digest period `now` is in: its local clock hour for hourly
    digests, the latest local daily_at for daily ones, `now` itself for immediate ones."""
    kind = _get(pref, "digest")
    if kind == "hourly":
        return local(pref, now).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    if kind == "daily":
        here = local(pref, now)
        at = parse_hhmm(_get(pref, "daily_at") or "08:00")
        for days in (0, 1):
            day = here.date() - timedelta(days=days)
            start = datetime.combine(day, at, tzinfo=here.tzinfo).astimezone(UTC)
            if start <= now:
                return start
    return now


def digest_due(pref, now: datetime, oldest_ms: int) -> bool:
    """May the held events (the oldest held at `oldest_ms`) go out at `now`? Outside quiet hours,
    once the period the oldest one arrived in is over: the next local hour for hourly digests,
    the next daily_at for daily ones; at once for immediate ones (held by quiet hours only)."""
    if in_quiet_hours(pref, now):
        return False
    return oldest_ms < period_start(pref, now).timestamp() * 1000 or (
        _get(pref, "digest") == "immediate")
