#!/usr/bin/env python
"""The scheduler's forecast job on the demo city: every device-key, within the hour?

The demo city (seed-demo, seed 42) is stored in a throwaway database with simulated hourly
history for every device (Fleet.sample_all once an hour over the job's history window,
ANALYTICS_FORECAST_HISTORY_DAYS, 28 days), written through the ingest pipeline so the hourly
rollups are the app's own. Then, in this process, as the scheduler would run them:

issue_s          analytics.jobs.issue_all: every numeric device-key's history read, the three
                 methods backtested over the last 7 days, 24 h forecast, all rows stored
cached_s         the same call again in the same hour: every issue found in the store (the floor
                 of the loop: listing the series and one lookup each)
baseline_s       the same series, read and forecast by seasonal naive alone (no backtest, no
                 store): what the cheapest honest forecast costs on this machine in this run
score_s          analytics.issued.score a day later: one batch (SCORE_BATCH runs) of actuals
hour_capacity_s  what the job may spend in an hour: 3600 / ANALYTICS_FORECAST_INTERVAL runs of
                 at most ANALYTICS_FORECAST_BUDGET_S each; the forecasts of an hour are all
                 issued within it when issue_s < hour_capacity_s

Prints one JSON document on stdout (progress on stderr).

    .venv/bin/python bench/forecast.py [--backend sqlite|postgresql] [--days 28] [--limit N]
"""

import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (  # noqa: E402
    ThrowawayDatabase,
    bench_app,
    load_report,
    log,
    machine_info,
    migrate_database,
)

HOUR, DAY = 3_600_000, 86_400_000


def store_history(app, days: int, end: int, limit: int | None) -> dict:
    """Hourly samples of every device over [end - days, end + 1 day), through the pipeline."""
    from smartcity.extensions import db
    from smartcity.simulator.city import generate_city
    from smartcity.simulator.fleet import Fleet
    from smartcity.telemetry import ingest
    from smartcity.telemetry.points import Point, encode_value

    city = generate_city(42)
    fleet = Fleet(42, city=city, count=limit)
    batch, stored, started = [], 0, time.perf_counter()
    size = app.config["MAX_BATCH_POINTS"]
    with app.app_context():
        # one day past `end` gives the scoring its actuals
        for ts in range(end - days * DAY, end + DAY, HOUR):
            for device_id, values in fleet.sample_all(ts / 1000):
                for key, value in values.items():
                    number, text = encode_value(key, value, key)
                    batch.append(Point(device_id, key, ts + 60_000, number, text))
            if len(batch) >= size - 2000:
                stored += ingest.store(ingest.Outcome(accepted=len(batch), points=batch)).stored
                batch = []
        if batch:
            stored += ingest.store(ingest.Outcome(accepted=len(batch), points=batch)).stored
        db.session.remove()
    return {"points": stored, "store_s": round(time.perf_counter() - started, 1)}


def baseline(app, end: int, days: int) -> tuple[float, int]:
    """Seconds to read and seasonal-naive-forecast every numeric device-key (no backtest)."""
    import numpy as np

    from smartcity.analytics.forecasting import MIN_COVERAGE, M, history
    from smartcity.extensions import db
    from smartcity.forecast import fill_gaps, seasonal_naive
    from smartcity.telemetry import reads

    started, done = time.perf_counter(), 0
    with app.app_context():
        with db.reader() as conn:
            series = reads.numeric_series(conn, end - days * DAY)
        for device_id, key in series:
            _hours, y = history(device_id, key, end, days)
            if np.isfinite(y).mean() >= MIN_COVERAGE:
                seasonal_naive(fill_gaps(y), M, 24, 0.95)
                done += 1
    return time.perf_counter() - started, done


def timed(app, fn, *args):
    with app.app_context():
        started = time.perf_counter()
        result = fn(*args)
        return time.perf_counter() - started, result


def run(backend: str, days: int, limit: int | None) -> dict:
    from smartcity.analytics import issued, jobs
    from smartcity.extensions import db
    from smartcity.simulator.seed import seed_city
    from smartcity.telemetry.reads import reporting_end

    with ThrowawayDatabase(backend, "smartcity_bench_forecast") as database:
        migrate_database(database.url)
        app = bench_app(database.url, ANALYTICS_FORECAST_HISTORY_DAYS=days)
        with app.app_context():
            seed_city(database.path("demo-keys.json"))
            db.session.remove()
        end = reporting_end() - DAY  # the job runs "a day ago": its hours can then be scored
        log(f"{backend}: storing {days} days of hourly history")
        history = store_history(app, days, end, limit)
        log(f"{backend}: {history['points']} points in {history['store_s']} s; forecasting")
        load_before = load_report()
        issue_s, counts = timed(app, jobs.issue_all, end)
        cached_s, again = timed(app, jobs.issue_all, end)
        base_s, base_n = baseline(app, end, days)
        score_s, scored = timed(app, issued.score, end + DAY)
        interval = app.config["ANALYTICS_FORECAST_INTERVAL"]
        budget = app.config["ANALYTICS_FORECAST_BUDGET_S"]
        capacity = 3600 / interval * budget
        series = max(counts["issued"], 1)
        return {
            "history_days": days, "history": history, "load_before": load_before,
            "load_after": load_report(), "jobs": counts, "again": again,
            "issue_s": round(issue_s, 1), "per_series_ms": round(1000 * issue_s / series, 1),
            "cached_s": round(cached_s, 2), "baseline_s": round(base_s, 2),
            "baseline_series": base_n, "issue_over_baseline": round(issue_s / base_s, 1),
            "score_s": round(score_s, 2), "scored": scored, "interval_s": interval,
            "budget_s": budget, "hour_capacity_s": capacity,
            "runs_needed": math.ceil(issue_s / budget),
            "issue_share_of_hour": round(issue_s / 3600, 3),
            "pass": {"within_the_hour": issue_s < capacity}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--limit", type=int, default=None, help="simulate only N devices")
    args = parser.parse_args()
    print(json.dumps({"benchmark": "forecast", "backend": args.backend,
                      "machine": machine_info(), **run(args.backend, args.days, args.limit)},
                     indent=2))


if __name__ == "__main__":
    main()
