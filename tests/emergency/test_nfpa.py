"""NFPA 1710 segments and their statistics on hand-built incidents."""

from datetime import UTC, datetime, timedelta

from smartcity.emergency.nfpa import BENCHMARKS, segments, statistics

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def incident(kind, district, processing, turnout, travel):
    dispatched = T0 + timedelta(seconds=processing)
    en_route = dispatched + timedelta(seconds=turnout)
    return {"type": kind, "district": district, "reported": T0, "dispatched": dispatched,
            "en_route": en_route, "on_scene": en_route + timedelta(seconds=travel)}


def test_segments_from_lifecycle_times_in_datetimes_or_epoch_ms():
    assert segments(incident("fire", "d1", 45, 70, 200)) == {
        "call_processing": 45, "turnout": 70, "travel": 200, "total_response": 315}
    ms = int(T0.timestamp() * 1000)
    partial = segments({"reported": ms, "dispatched": ms + 30_000, "en_route": ms + 20_000})
    # en_route before dispatched is a data error, not a negative turnout; no on_scene yet
    assert partial == {"call_processing": 30.0, "turnout": None, "travel": None,
                       "total_response": None}


def test_median_90th_percentile_and_compliance_per_type_and_district():
    # ten medical calls in d1 with travel 100, 110, ..., 190 s: median 145, p90 (numpy's
    # linear rule: rank 0.9 * 9 = 8.1 -> 180 + 0.1 * 10) = 181; all within 240 s
    # turnouts 50, 52, ..., 68 s: median 59, p90 = 66 + 0.1 * 2 = 66.2; 60 s benchmark met by
    # 50..60 = 6 of 10 -> compliance 0.6, not the 90 % the standard asks
    medical = [incident("medical", "d1", 40, 50 + 2 * i, 100 + 10 * i) for i in range(10)]
    fires = [incident("fire", "d2", 70, 75, 250), incident("fire", "d2", 50, 60, 230)]
    result = statistics(medical + fires)
    assert [(g["type"], g["district"]) for g in result] == [("fire", "d2"), ("medical", "d1")]
    med = result[1]["segments"]
    assert med["travel"] == {"n": 10, "median_s": 145.0, "p90_s": 181.0, "benchmark_s": 240,
                             "compliance": 1.0, "meets": True}
    assert med["turnout"]["median_s"] == 59.0 and med["turnout"]["p90_s"] == 66.2
    assert med["turnout"]["compliance"] == 0.6 and med["turnout"]["meets"] is False
    fire = result[0]["segments"]
    # call processing 70 and 50 s against 64 s: half within
    assert fire["call_processing"]["compliance"] == 0.5
    assert fire["travel"]["median_s"] == 240.0 and fire["travel"]["benchmark_s"] == 240
    assert fire["total_response"]["benchmark_s"] is None


def test_types_without_an_nfpa_objective_get_figures_but_no_verdict():
    result = statistics([incident("police", "d1", 30, 20, 300)], by=("type",))
    assert [set(g) for g in result] == [{"type", "segments"}] and result[0]["type"] == "police"
    travel = result[0]["segments"]["travel"]
    assert travel["median_s"] == 300.0 and travel["meets"] is None
    assert "travel" not in BENCHMARKS["hazmat"] and BENCHMARKS["fire"]["turnout"] == 80
    assert statistics([]) == []
