"""Preference rules on hand-worked instants: severity, domain, quiet hours across midnight, time
zones and daylight-saving changes (tz database, via zoneinfo).

EU summer time 2026 ends Sunday 25 October 01:00 UTC (Berlin 03:00 CEST -> 02:00 CET) and starts
Sunday 29 March 01:00 UTC (02:00 CET -> 03:00 CEST); US time ends Sunday 1 November 06:00 UTC
(New York 02:00 EDT -> 01:00 EST)."""

from datetime import UTC, datetime

import pytest

from smartcity.notifications.preferences import (
    digest_due,
    in_quiet_hours,
    period_start,
    route,
    wants,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def pref(**fields) -> dict:
    return {"min_severity": "major", "domains": [], "timezone": "UTC", "digest": "immediate",
            "quiet_start": None, "quiet_end": None, "daily_at": "08:00", **fields}


@pytest.mark.parametrize(("minimum", "severity", "expected"), [
    ("major", "critical", True), ("major", "major", True), ("major", "minor", False),
    ("warning", "warning", True), ("warning", "info", False), ("critical", "major", False),
    ("info", "info", True), ("major", "bogus", False), ("major", None, False),
])
def test_minimum_severity(minimum, severity, expected):
    assert wants(pref(min_severity=minimum), {"severity": severity}) is expected


def test_domains_filter_and_empty_means_every_domain():
    only = pref(domains=["waste", "water"])
    assert wants(only, {"severity": "major", "domain": "waste"})
    assert not wants(only, {"severity": "major", "domain": "traffic"})
    assert not wants(only, {"severity": "major", "domain": None})
    assert wants(pref(), {"severity": "major", "domain": "traffic"})
    assert wants(pref(), {"severity": "major"})


@pytest.mark.parametrize(("hour", "minute", "quiet"), [
    (21, 59, False), (22, 0, True), (23, 30, True), (0, 0, True), (3, 0, True),
    (6, 59, True), (7, 0, False), (12, 0, False),
])
def test_quiet_hours_across_midnight(hour, minute, quiet):
    p = pref(quiet_start="22:00", quiet_end="07:00")
    assert in_quiet_hours(p, utc(2026, 12, 4, hour, minute)) is quiet


@pytest.mark.parametrize(("hour", "quiet"), [(11, False), (12, True), (13, True), (14, False)])
def test_quiet_hours_within_a_day(hour, quiet):
    assert in_quiet_hours(pref(quiet_start="12:00", quiet_end="14:00"),
                          utc(2026, 12, 4, hour, 0)) is quiet


def test_quiet_hours_are_local_time_in_the_persons_zone():
    night = pref(quiet_start="22:00", quiet_end="07:00", timezone="Asia/Tokyo")  # UTC+9
    assert in_quiet_hours(night, utc(2026, 12, 4, 14, 0))  # 23:00 in Tokyo
    assert not in_quiet_hours(night, utc(2026, 12, 4, 22, 0))  # 07:00 in Tokyo
    india = pref(quiet_start="22:00", quiet_end="07:00", timezone="Asia/Kolkata")  # UTC+5:30
    assert not in_quiet_hours(india, utc(2026, 12, 4, 16, 29))  # 21:59
    assert in_quiet_hours(india, utc(2026, 12, 4, 16, 30))  # 22:00
    la = pref(quiet_start="22:00", quiet_end="07:00", timezone="America/Los_Angeles")  # UTC-8
    assert in_quiet_hours(la, utc(2026, 12, 5, 6, 0))  # 22:00 the day before
    assert not in_quiet_hours(la, utc(2026, 12, 5, 15, 0))  # 07:00


def test_quiet_hours_follow_the_daylight_saving_change():
    p = pref(quiet_start="22:00", quiet_end="07:00", timezone="Europe/Berlin")
    # 05:30 UTC: 07:30 CEST on Saturday (awake), 06:30 CET on Sunday after the change (quiet).
    assert not in_quiet_hours(p, utc(2026, 10, 24, 5, 30))
    assert in_quiet_hours(p, utc(2026, 10, 25, 5, 30))
    # 20:30 UTC: 21:30 CET in March before the change, 22:30 CEST the day it happened.
    assert not in_quiet_hours(p, utc(2026, 3, 28, 20, 30))
    assert in_quiet_hours(p, utc(2026, 3, 29, 20, 30))
    ny = pref(quiet_start="00:30", quiet_end="01:30", timezone="America/New_York")
    # 01:00 local happens twice on 1 November: 05:00 UTC (EDT) and 06:00 UTC (EST); both quiet.
    assert in_quiet_hours(ny, utc(2026, 11, 1, 5, 0))
    assert in_quiet_hours(ny, utc(2026, 11, 1, 6, 0))
    assert not in_quiet_hours(ny, utc(2026, 11, 1, 6, 30))  # 01:30 EST


def test_route_holds_in_quiet_hours_and_for_digests():
    p = pref(quiet_start="22:00", quiet_end="07:00", timezone="Europe/Berlin")
    assert route(p, utc(2026, 12, 4, 12, 0)) == "now"
    assert route(p, utc(2026, 12, 4, 22, 0)) == "digest"  # 23:00 CET
    assert route(pref(digest="hourly"), utc(2026, 12, 4, 12, 0)) == "digest"
    assert route(pref(digest="daily"), utc(2026, 12, 4, 12, 0)) == "digest"


def test_hourly_digest_goes_out_once_the_local_hour_of_its_first_alarm_is_over():
    p = pref(digest="hourly", timezone="Asia/Kolkata")  # hours start at :30 UTC
    first = ms(utc(2026, 12, 4, 10, 40))  # 16:10 local
    assert period_start(p, utc(2026, 12, 4, 10, 59)) == utc(2026, 12, 4, 10, 30)
    assert not digest_due(p, utc(2026, 12, 4, 11, 29), first)  # 16:59 local
    assert digest_due(p, utc(2026, 12, 4, 11, 30), first)  # 17:00 local


def test_daily_digest_at_local_time_across_the_daylight_saving_change():
    p = pref(digest="daily", daily_at="08:00", timezone="Europe/Berlin")
    # Saturday 24 October: 08:00 CEST is 06:00 UTC. Sunday 25th: 08:00 CET is 07:00 UTC.
    assert period_start(p, utc(2026, 10, 24, 6, 0)) == utc(2026, 10, 24, 6, 0)
    assert period_start(p, utc(2026, 10, 25, 6, 59)) == utc(2026, 10, 24, 6, 0)
    assert period_start(p, utc(2026, 10, 25, 7, 0)) == utc(2026, 10, 25, 7, 0)
    held = ms(utc(2026, 10, 24, 18, 0))
    assert not digest_due(p, utc(2026, 10, 25, 6, 30), held)  # 07:30 CET: not yet
    assert digest_due(p, utc(2026, 10, 25, 7, 0), held)


def test_daily_time_skipped_by_spring_forward_comes_an_hour_later():
    p = pref(digest="daily", daily_at="02:30", timezone="Europe/Berlin")
    # 29 March 02:30 does not exist in Berlin; the tz rules read it as 03:30 CEST (01:30 UTC).
    assert period_start(p, utc(2026, 3, 29, 1, 29)) == utc(2026, 3, 28, 1, 30)
    assert period_start(p, utc(2026, 3, 29, 1, 30)) == utc(2026, 3, 29, 1, 30)


def test_quiet_hours_hold_a_due_digest_and_immediate_alarms_until_they_end():
    p = pref(digest="hourly", quiet_start="22:00", quiet_end="07:00", timezone="Europe/Berlin")
    held = ms(utc(2026, 12, 4, 21, 10))  # 22:10 CET
    assert not digest_due(p, utc(2026, 12, 5, 3, 0), held)  # 04:00: due hourly, but quiet
    assert digest_due(p, utc(2026, 12, 5, 6, 0), held)  # 07:00: quiet is over
    now = pref(quiet_start="22:00", quiet_end="07:00", timezone="Europe/Berlin")
    assert not digest_due(now, utc(2026, 12, 5, 5, 59), held)
    assert digest_due(now, utc(2026, 12, 5, 6, 0), held)
