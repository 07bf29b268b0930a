#!/usr/bin/env python
"""Energy forecasting benchmark on the demo city's own readings (pure: no database).

The simulator (seed 42) gives 21 days of hourly net load for each of the 12 feeder-head meters
and the weather stations' temperature; each feeder is then forecast as GET /api/energy/forecast
does (a rolling-origin backtest of three methods over the last 7 days, the best method
forecasting 24 h).

best_forecast_ms   one feeder: backtest of seasonal naive, Holt-Winters and the time-of-week +
                   temperature regression, and the forecast
baseline_ms        the same feeder's seasonal naive backtest and forecast alone (the floor:
                   slicing and scoring with the cheapest method), timed alternately
lstsq_ms           the regression as plain least squares on the 170-column one-hot design
                   (numpy.linalg.lstsq), per fit, against ancova_ms, our solution of it
balance_ms         shifting and battery dispatch on one 24 h forecast
wins               feeders whose chosen method beats the weekly seasonal naive backtest

Prints one JSON document on stdout.

    .venv/bin/python bench/energy_forecast.py [--rounds 5]
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import machine_info  # noqa: E402

from smartcity.energy import balancing  # noqa: E402
from smartcity.forecast import best_forecast, time_of_week, tow_temperature  # noqa: E402
from smartcity.forecast.backtest import backtest, forecasters  # noqa: E402
from smartcity.simulator.city import generate_city  # noqa: E402
from smartcity.simulator.fleet import Fleet  # noqa: E402

HOUR, DAYS, HORIZON = 3_600_000, 21, 24


def readings():
    city = generate_city(42)
    heads = [d.id for d in city.devices if d.metadata.get("role") == "feeder_head"]
    stations = [d.id for d in city.devices if d.type == "weather_station"]
    fleet = Fleet(42, city=city, ids=set(heads) | set(stations))
    end = int(time.time() * 1000) // HOUR * HOUR
    hours = np.arange(end - DAYS * 24 * HOUR, end, HOUR)
    load = {h: [] for h in heads}
    temp = []
    for ts in hours:
        values = dict(fleet.sample_all(ts / 1000))
        for h in heads:
            load[h].append(values[h]["power"])
        temp.append(np.mean([values[s]["temperature"] for s in stations]))
    every = np.concatenate([hours, end + HOUR * np.arange(HORIZON)])
    temp = np.array(temp)
    return ({h: np.array(v) for h, v in load.items()}, time_of_week(every, 1.0),
            np.concatenate([temp, temp[-24:]]))


def timed(fn):
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    loads, tow, temp = readings()
    best, base, lstsq, ancova, balance = [], [], [], [], []
    wins = 0
    for y in loads.values():
        result = best_forecast(y, 24, HORIZON, 7 * 24, tow=tow, temperature=temp, naive_m=168)
        scores = result["backtests"]
        chosen, naive = scores[result["method"]], scores["seasonal_naive"]
        wins += chosen["cv_rmse"] < naive["cv_rmse"] and chosen["mase"] < naive["mase"]
        naive_only = forecasters(y, 24, naive_m=168)["seasonal_naive"]
        for _ in range(args.rounds):
            best.append(timed(lambda y=y: best_forecast(y, 24, HORIZON, 7 * 24, tow=tow,
                                                        temperature=temp, naive_m=168)))
            base.append(timed(lambda y=y, f=naive_only: (backtest(y, f, 7 * 24, 24, 168),
                                                         f(y.size, HORIZON))))
        n = y.size
        x = np.column_stack([(tow[:n, None] == np.unique(tow[:n])[None, :]).astype(float),
                             np.maximum(0, 15 - temp[:n]), np.maximum(0, temp[:n] - 22)])
        lstsq.append(timed(lambda x=x, y=y: np.linalg.lstsq(x, y, rcond=None)))
        ancova.append(timed(lambda y=y, n=n: tow_temperature(y, tow[:n], tow[n:], temp[:n],
                                                             temp[n:])))
        mean = result["forecast"].mean
        balance.append(timed(lambda m=mean: balancing.balance(
            m, float(m.max()) * 0.95, 0.15, {"capacity_kwh": 2000, "max_kw": 500, "soc": 60},
            target_kw=float(m.max()) * 0.8)))
    p50 = statistics.median
    print(json.dumps({
        "machine": machine_info(), "feeders": len(loads), "history_days": DAYS,
        "best_forecast_ms": {"p50": round(p50(best), 1), "max": round(max(best), 1)},
        "baseline_ms": {"p50": round(p50(base), 1)},
        "ratio_to_baseline": round(p50(best) / p50(base), 1),
        "all_feeders_ms": round(p50(best) * len(loads), 1),
        "lstsq_ms": round(p50(lstsq), 2), "ancova_ms": round(p50(ancova), 2),
        "balance_ms": round(p50(balance), 2), "wins": wins,
    }, indent=2))


if __name__ == "__main__":
    main()
