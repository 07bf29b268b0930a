"""Progress of long one-off work that runs outside the app, such as the simulator's history
backfill: the worker reports {done, total}, the dashboard shows "history loading: 42%".

Kept in job_runs beside the scheduler's leases (the scheduler only reads the rows of the jobs it
registered), under the name "progress:<name>", so every process sees the same record.
"""

import time

from sqlalchemy import select

from smartcity.extensions import db
from smartcity.jobs.models import JobRun

PREFIX = "progress:"
STALE_MS = 10 * 60_000  # a worker silent this long has stopped: its record is no longer shown


def _to_dict(row: JobRun) -> dict:
    result = row.last_result or {}
    done, total = result.get("done", 0), max(result.get("total", 0), 0)
    return {"name": row.name.removeprefix(PREFIX), "label": result.get("label", ""),
            "done": done, "total": total,
            "percent": round(100 * done / total, 1) if total else 0.0,
            "finished": row.last_status == "finished", "started_at": row.last_started,
            "updated_at": row.last_finished, "detail": result.get("detail", "")}


def report(name: str, done: int, total: int, label: str = "", detail: str = "",
           finished: bool = False, now: int | None = None) -> dict:
    """Record how far a worker has got; a report with done=0 starts a new run."""
    now = now if now is not None else int(time.time() * 1000)
    row = db.session.get(JobRun, PREFIX + name)
    if row is None:
        row = JobRun(name=PREFIX + name, last_started=now)
        db.session.add(row)
    if done == 0 and not finished:
        row.last_started = now
    row.last_finished = now  # when it last reported
    row.last_status = "finished" if finished else "running"
    row.last_result = {"done": done, "total": total, "label": label, "detail": detail}
    db.session.commit()
    return _to_dict(row)


def list_progress(now: int | None = None) -> list[dict]:
    """Every reported run that is under way or finished in the last STALE_MS, newest first."""
    now = now if now is not None else int(time.time() * 1000)
    rows = db.session.scalars(select(JobRun).where(JobRun.name.startswith(PREFIX))).all()
    items = [_to_dict(r) for r in rows if (r.last_finished or 0) >= now - STALE_MS]
    return sorted(items, key=lambda i: i["started_at"], reverse=True)
