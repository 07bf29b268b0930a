"""Issued forecasts: stored, scored when their hours have passed, and their rolling accuracy.

Scoring reads the device-key's hourly means from the rollups for the forecast hours once the
last of them is complete (readings that arrive later do not change a score). Accuracy pools
the scored hours of the forecasts issued in the last `days`, per method, through the metrics
code of the backtests (forecast.metrics): MAE, RMSE, ASHRAE Guideline 14 CV(RMSE) and NMBE
(p = 1), and MASE, each error scaled by the in-sample seasonal naive MAE of the history its
forecast was fitted on (Hyndman & Koehler 2006), as the backtests scale theirs. `auto` pools
the forecasts `auto` chose: whether picking by backtest pays.
"""

from collections import defaultdict

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from smartcity.analytics.models import ForecastRun
from smartcity.extensions import db
from smartcity.forecast.metrics import evaluate
from smartcity.telemetry import reads
from smartcity.timeutil import now_ms

HOUR, DAY = 3_600_000, 86_400_000
SCORE_BATCH = 2000  # runs scored per call: a backlog is worked off over several runs


def find(device_id: str, key: str, issued: int, horizon: int, history_days: int,
         backtest_days: int) -> list[ForecastRun]:
    return list(db.session.scalars(select(ForecastRun).where(
        ForecastRun.device_id == device_id, ForecastRun.key == key,
        ForecastRun.issued == issued, ForecastRun.horizon_h == horizon,
        ForecastRun.history_days == history_days,
        ForecastRun.backtest_days == backtest_days).order_by(ForecastRun.method)))


def issued_series(issued: int, horizon: int, history_days: int,
                  backtest_days: int) -> set[tuple[str, str]]:
    """The (device_id, key) issued at `issued` with these settings, in one query."""
    rows = db.session.execute(select(ForecastRun.device_id, ForecastRun.key).where(
        ForecastRun.issued == issued, ForecastRun.horizon_h == horizon,
        ForecastRun.history_days == history_days,
        ForecastRun.backtest_days == backtest_days).distinct())
    return {(device_id, key) for device_id, key in rows}


def save(device_id: str, key: str, issued: int, horizon: int, history_days: int,
         backtest_days: int, level: float, computed: dict) -> list[ForecastRun]:
    """Store one issue (a row per method); another process storing it first wins."""
    created = now_ms()
    rows = [ForecastRun(device_id=device_id, key=key, method=name,
                        chosen=name == computed["chosen"], issued=issued, horizon_h=horizon,
                        history_days=history_days, backtest_days=backtest_days, level=level,
                        coverage=computed["coverage"], scale=computed["scale"],
                        points=m["points"], backtest=m["scores"], created_at=created)
            for name, m in sorted(computed["methods"].items())]
    db.session.add_all(rows)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return find(device_id, key, issued, horizon, history_days, backtest_days)
    return rows


def score(at: int | None = None) -> dict:
    """Fill the actuals of every run whose hours have all passed; {"scored", "points"}."""
    end = reads.reporting_end(at)
    rows = list(db.session.scalars(
        select(ForecastRun).where(ForecastRun.scored_at.is_(None),
                                  ForecastRun.issued + ForecastRun.horizon_h * HOUR <= end)
        .order_by(ForecastRun.issued).limit(SCORE_BATCH)))
    series: dict[tuple[str, str], list[ForecastRun]] = defaultdict(list)
    for row in rows:
        series[(row.device_id, row.key)].append(row)
    found, stamp = 0, now_ms()
    with db.reader() as conn:
        for (device_id, key), runs in series.items():
            start = min(r.issued for r in runs)
            stop = max(r.issued + r.horizon_h * HOUR for r in runs)
            means = reads.hourly_means(conn, device_id, [key], start, stop).get(key, {})
            for run in runs:
                run.actual = [means.get(p["ts"]) for p in run.points]
                run.scored_at = stamp
                found += sum(v is not None for v in run.actual)
    db.session.commit()
    return {"scored": len(rows), "points": found}


def prune(keep_days: int, at: int | None = None) -> int:
    """Delete the runs issued more than keep_days ago."""
    cut = reads.reporting_end(at) - keep_days * DAY
    deleted = db.session.execute(delete(ForecastRun).where(ForecastRun.issued < cut)).rowcount
    db.session.commit()
    return deleted


def pooled(runs: list[ForecastRun]) -> dict | None:
    """Every accuracy measure of the scored hours of some runs; None without any."""
    actual, predicted, scaled, inside, leads = [], [], [], 0, defaultdict(list)
    for run in runs:
        for lead, (p, y) in enumerate(zip(run.points, run.actual or [], strict=False)):
            if y is None:
                continue
            actual.append(y)
            predicted.append(p["value"])
            inside += p["lower"] <= y <= p["upper"]
            leads[lead + 1].append(abs(y - p["value"]))
            if run.scale:
                scaled.append(abs(y - p["value"]) / run.scale)
    if not actual:
        return None
    metrics = evaluate(actual, predicted, p=1)
    return {"runs": len(runs), "n": metrics["n"], "mae": round(metrics["mae"], 4),
            "rmse": round(metrics["rmse"], 4),
            "mase": round(float(np.mean(scaled)), 4) if scaled else None,
            "cv_rmse_pct": _rounded(metrics["cv_rmse_pct"]),
            "nmbe_pct": _rounded(metrics["nmbe_pct"]),
            "coverage": round(inside / len(actual), 3),
            "mae_by_lead": [{"lead_h": h, "mae": round(float(np.mean(e)), 4)}
                            for h, e in sorted(leads.items())]}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def accuracy(device_id: str, key: str, days: int, at: int | None = None) -> dict:
    """Rolling error per method of the device-key's forecasts issued in the last `days`."""
    end = reads.reporting_end(at)
    start = end - days * DAY
    runs = list(db.session.scalars(select(ForecastRun).where(
        ForecastRun.device_id == device_id, ForecastRun.key == key,
        ForecastRun.issued >= start, ForecastRun.issued < end,
        ForecastRun.scored_at.is_not(None)).order_by(ForecastRun.issued)))
    groups: dict[str, list[ForecastRun]] = defaultdict(list)
    for run in runs:
        groups[run.method].append(run)
        if run.chosen:
            groups["auto"].append(run)
    methods = {name: scores for name, group in sorted(groups.items())
               if (scores := pooled(group)) is not None}
    ranked = [n for n in methods if n != "auto" and methods[n]["mase"] is not None]
    return {"device_id": device_id, "key": key, "start": start, "end": end, "days": days,
            "levels": sorted({r.level for r in runs}),
            "horizons_h": sorted({r.horizon_h for r in runs}),
            "best": min(ranked, key=lambda n: methods[n]["mase"]) if ranked else None,
            "methods": methods}
