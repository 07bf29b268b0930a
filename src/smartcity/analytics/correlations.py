"""Correlation of two hourly series with a lag search (Pearson and Spearman, scipy.stats).

Series are hourly means from the rollups, aligned on the hour; an hour missing in either is
dropped (never interpolated: that would invent correlation). A lag L pairs a(t) with b(t + L):
a positive best lag means b follows a. The best lag is the one of the smallest Pearson p-value
(not the largest |r|: three pairs can give r = 0.99 by chance, and p accounts for n), among lags
with at least MIN_SEARCH_PAIRS pairs and half as many as the best-paired lag, so a lag that
overlaps the data only at its edge never wins. Its p-value is not corrected for the search over
lags, so it is optimistic by up to the number of lags tried (Bonferroni): both are reported.
"""

import numpy as np
from scipy import stats

from smartcity.devices.service import get_device
from smartcity.errors import bad_request
from smartcity.extensions import db
from smartcity.telemetry.reads import hourly_means

MIN_PAIRS = 3  # fewest pairs that get a score at all
MIN_SEARCH_PAIRS = 10  # fewest pairs a lag needs to be chosen as the best one


def _pair(a: dict[int, float], b: dict[int, float], lag_ms: int) -> tuple[np.ndarray, np.ndarray]:
    hours = sorted(h for h in a if h + lag_ms in b and a[h] is not None
                   and b[h + lag_ms] is not None)
    return (np.array([a[h] for h in hours], dtype=float),
            np.array([b[h + lag_ms] for h in hours], dtype=float))


def _scores(x: np.ndarray, y: np.ndarray) -> dict | None:
    if x.size < MIN_PAIRS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    pearson, spearman = stats.pearsonr(x, y), stats.spearmanr(x, y)
    return {"n": int(x.size), "pearson": round(float(pearson.statistic), 4),
            "pearson_p": float(pearson.pvalue), "spearman": round(float(spearman.statistic), 4),
            "spearman_p": float(spearman.pvalue)}


def correlate(a: dict[int, float], b: dict[int, float], max_lag_h: int,
              hour_ms: int = 3_600_000) -> dict:
    """Scores at lag 0 and at the best lag in [−max_lag_h, max_lag_h] hours."""
    lags = {}
    for lag in range(-max_lag_h, max_lag_h + 1):
        scored = _scores(*_pair(a, b, lag * hour_ms))
        if scored is not None:
            lags[lag] = scored
    if not lags:
        return {"lag0": None, "best": None, "lags_tried": 0}
    tried = len(lags)
    enough = max(MIN_SEARCH_PAIRS, max(s["n"] for s in lags.values()) // 2)
    candidates = [lag for lag in lags if lags[lag]["n"] >= enough]
    if not candidates:
        return {"lag0": lags.get(0), "best": None, "lags_tried": tried}
    best = min(candidates, key=lambda lag: (lags[lag]["pearson_p"], -abs(lags[lag]["pearson"]),
                                            abs(lag)))
    return {"lag0": lags.get(0), "lags_tried": tried,
            "best": lags[best] | {"lag_h": best,
                                  "pearson_p_bonferroni": min(1.0, lags[best]["pearson_p"]
                                                              * tried)}}


def parse_series(value: str) -> list[tuple[str, str]]:
    """"dev-a:key,dev-b:key" -> [(device_id, key), ...]; exactly two."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    pairs = [tuple(p.split(":", 1)) for p in parts if ":" in p]
    if len(parts) != 2 or len(pairs) != 2 or not all(d and k for d, k in pairs):
        raise bad_request('series must be two "device_id:key" separated by a comma', "series")
    return pairs


def series_correlation(series: str, start: int, end: int, max_lag_h: int) -> dict:
    """Correlate two device-keys' hourly means over [start, end)."""
    pairs = parse_series(series)
    for device_id, _ in pairs:
        get_device(device_id)
    with db.reader() as conn:
        a, b = (hourly_means(conn, d, [k], start, end).get(k, {}) for d, k in pairs)
    return {"series": [f"{d}:{k}" for d, k in pairs], "start": start, "end": end,
            "max_lag_h": max_lag_h, **correlate(a, b, max_lag_h)}
