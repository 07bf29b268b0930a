"""Isolate what the database refuses in a group commit, so that one device cannot stop the others.

A group holds many callers' points. When the database refuses its commit for what it holds (a
value it cannot store or aggregate, a constraint, a trigger) rather than for being unavailable,
the group is split and each half committed on its own, halving again the halves that fail,
down to single parts: a part is one HTTP item or one MQTT message (a job's `units`). The good
parts are stored; the refused ones are reported to their callers. A group that commits, the
usual case, never comes here.

An outage met while splitting is raised like any other: callers retry (HTTP 503, MQTT
redelivery), and first write wins makes the parts already stored harmless.
"""

import sqlite3
from collections.abc import Callable
from typing import NamedTuple

import psycopg
from sqlalchemy.exc import DBAPIError

from smartcity.telemetry.points import Point

REFUSED_CODE = "refused_by_storage"


class Part(NamedTuple):
    """Points job.points[start:end], its unit number `unit`."""

    job: object
    unit: int
    start: int
    end: int

    def points(self) -> list[Point]:
        return self.job.points[self.start:self.end]


# What a value or row can cause: SQLSTATE class 22 (overflow, bad text) and 23 (constraints,
# and what a trigger raises as one). A missing table, a syntax error or an outage is no part's
# fault: the whole group fails and is retried (HTTP 503, MQTT redelivery), never refused.
_DATA_ERRORS = (psycopg.DataError, psycopg.IntegrityError, sqlite3.DataError,
                sqlite3.IntegrityError)


def refused_for_data(exc: BaseException) -> bool:
    """The database refused what was written (not: it is down, its schema is wrong, or our own
    code failed)."""
    if isinstance(exc, DBAPIError):
        exc = exc.orig
    return isinstance(exc, _DATA_ERRORS)


def reason(exc: BaseException) -> str:
    """The database's own one-line message, without SQL or parameters."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    diag = getattr(orig, "diag", None)
    message = getattr(diag, "message_primary", None) or str(orig).split("\n", 1)[0]
    return message[:200]


def parts_of(jobs) -> list[Part]:
    parts = []
    for job in jobs:
        start = 0
        for unit, end in enumerate(job.units or (len(job.points),)):
            if end > start:
                parts.append(Part(job, unit, start, end))
            start = end
    return parts


def isolate(commit: Callable[[list[Part]], list[Point]], parts: list[Part],
            error: BaseException) -> tuple[list[Point], list[tuple[Part, str]]]:
    """Split `parts`, whose commit failed with `error`, until every part is stored or refused.

    commit(parts) commits those parts' points in one transaction and returns those inserted.
    Returns (points inserted, [(part, reason)] refused).
    """
    inserted: list[Point] = []
    refused: list[tuple[Part, str]] = []
    failed = [(parts, error)]
    while failed:
        group, error = failed.pop()
        if len(group) == 1:
            refused.append((group[0], reason(error)))
            continue
        middle, halves_failed = len(group) // 2, []
        for half in (group[:middle], group[middle:]):  # in order: the first write wins
            try:
                inserted += commit(half)
            except Exception as exc:
                if not refused_for_data(exc):
                    raise
                halves_failed.append((half, exc))
        failed += reversed(halves_failed)  # the earlier half is split first
    return inserted, refused
