"""Adherence, headways and predictions on a synthetic line with hand-computed answers.

The line runs north along the prime meridian: stops every U = 0.009 degrees of latitude
(1000.75 m), so a track given in fractions of U passes the stops at times worked out by hand.
"""

import math

import pytest

from smartcity.transport import adherence
from smartcity.transport.schedule import Trip

U = 0.009
U_M = math.radians(U) * adherence.EARTH_M
S = 1000  # ms


def path(n=3):
    return adherence.Path([(0.0, k * U) for k in range(n)])


def track(points):
    """[(seconds, position in U)] -> [(ms, lon, lat)]."""
    return [(int(t * S), 0.0, x * U) for t, x in points]


def test_the_path_measures_along_and_off():
    p = path()
    assert p.along == pytest.approx([0.0, U_M, 2 * U_M])
    along, off = p.locate(0.0009, 1.5 * U)  # 100 m east of the line, half way
    assert along == pytest.approx(1.5 * U_M) and off == pytest.approx(100.08, abs=0.05)


def test_passings_interpolate_the_crossing_times():
    # at the first stop until 60 s, then 0.3 U a minute: B crossed between 240 s (0.9) and
    # 300 s (1.2) at 240 + 60 * 0.1 / 0.3 = 260 s; C between 420 s (1.8) and 480 s (2.1,
    # which snaps to the end) ...
    runs = adherence.passings(path(), track([(0, 0), (60, 0), (120, .3), (180, .6), (240, .9),
                                             (300, 1.2), (360, 1.5), (420, 1.8), (460, 2.0)]))
    assert runs == [[(0, 60 * S), (1, 260 * S), (2, 460 * S)]]


def test_going_back_ends_a_run_and_the_reverse_is_no_run():
    forth = [(0, 0), (100, 1.0), (200, 2.0)]
    back = [(300, 1.5), (400, 0.5)]
    again = [(500, 0), (600, 1.0)]
    runs = adherence.passings(path(), track(forth + back + again))
    assert runs == [[(0, 0), (1, 100 * S), (2, 200 * S)], [(0, 500 * S), (1, 600 * S)]]
    assert adherence.passings(path(), track(back)) == []


def test_points_off_the_path_are_left_out():
    far = [(0, 0.0, 0.0), (60 * S, 0.01, 0.5 * U), (120 * S, 0.0, 1.0 * U)]  # 1.1 km east
    assert adherence.placed(path(), far) == [(0, 0.0), (120 * S, pytest.approx(U_M))]


def trip(tid, start_s, step_s=240):
    return Trip(tid, "r", "wk", 0, "C", stops=["a", "b", "c"], sequences=[1, 2, 3],
                arrivals=[start_s, start_s + step_s, start_s + 2 * step_s],
                departures=[start_s, start_s + step_s, start_s + 2 * step_s])


def test_a_run_matches_the_trip_it_keeps_closest_to():
    t1, t2 = trip("t1", 0), trip("t2", 600)
    options = [(t, adherence.scheduled_instants(0, t)) for t in (t1, t2)]
    run = [(0, 60 * S), (1, 260 * S), (2, 460 * S)]
    best, due = adherence.match(run, options, 1800)
    assert best is t1 and due == [0, 240 * S, 480 * S]
    # delays +60, +20, -20 s against t1; t2 is 540, 580, 620 s away
    assert [(ts - due[k]) / S for k, ts in run] == [60, 20, -20]
    assert adherence.match(run, options, 30) is None  # mean 33.3 s off


def test_regularity_swt_awt_ewt_and_cv():
    scheduled = [0, 600 * S, 1200 * S, 1800 * S]
    actual = [60 * S, 540 * S, 1320 * S, 1800 * S]
    r = adherence.regularity(scheduled, actual)
    assert r["scheduled_headways_s"] == [600, 600, 600]
    assert r["actual_headways_s"] == [480, 780, 480]
    # SWT = 3 * 600^2 / (2 * 1800) = 300; AWT = (480^2 + 780^2 + 480^2) / (2 * 1740)
    assert r["swt_s"] == pytest.approx(300)
    assert r["awt_s"] == pytest.approx(1_069_200 / 3480)  # 307.24
    assert r["ewt_s"] == pytest.approx(1_069_200 / 3480 - 300)  # 7.24
    # mean 580, deviations -100, 200, -100: sd = sqrt(20000)
    assert r["mean_headway_s"] == 580 and r["sd_headway_s"] == pytest.approx(math.sqrt(20_000))
    assert r["cv"] == pytest.approx(math.sqrt(20_000) / 580)
    empty = adherence.regularity([0], [])
    assert empty["ewt_s"] is None and empty["cv"] is None


def test_predictions_use_observed_segment_speeds_then_the_timetable():
    p = path(4)
    runs = [[(0, 0), (1, 200 * S)], [(1, 1000 * S), (2, 1250 * S)]]
    speeds = adherence.segment_speeds(p, runs)
    assert speeds == {0: pytest.approx(U_M / 200), 1: pytest.approx(U_M / 250)}
    t = Trip("t", "r", "wk", 0, "D", stops=list("abcd"), sequences=[1, 2, 3, 4],
             arrivals=[0, 240, 480, 840], departures=[0, 240, 480, 840])
    fallback = adherence.timetable_speeds(p, t)
    assert fallback[2] == pytest.approx(U_M / 360)
    # 1.2 U down the line at t = 300 s: C after 0.8 U at U/250 per s (200 s), D after U at
    # the timetable's U/360 (360 s)
    ahead = adherence.predict(p, 1.2 * U_M, 300 * S, speeds, fallback)
    assert ahead == [(2, 500 * S), (3, 860 * S)]


def test_a_bus_stopping_just_short_of_a_stop_is_at_it():
    short = 1 - 10 / U_M  # 10 m before B
    runs = adherence.passings(path(), track([(0, 0), (100, short), (160, short)]))
    assert runs == [[(0, 0), (1, 100 * S)]]


def test_a_little_way_back_is_noise_more_ends_the_run():
    back30, back60 = 30 / U_M, 60 / U_M  # in U
    runs = adherence.passings(path(), track([(0, 0), (100, .8), (130, .8 - back30), (200, 1.6),
                                             (300, 2.0)]))
    assert [[k for k, _ in run] for run in runs] == [[0, 1, 2]]
    runs = adherence.passings(path(), track([(0, 0), (100, 1.5), (200, 1.5 - back60),
                                             (300, 2.0)]))
    # B at 100 / 1.5 s; then 60 m back ends the run; the next one passes only C, which says
    # nothing of its direction, and is left out
    assert runs == [[(0, 0), (1, round(100 * S / 1.5))]]


def test_creeping_back_in_small_steps_still_ends_the_run():
    forth = [(0, 0), (100, 1.0), (200, 2.0)]
    creep = [(200 + 2 * n, 2.0 - n * 0.04) for n in range(1, 51)]  # 40 m steps back to A
    again = [(400, 1.0), (500, 2.0)]
    runs = adherence.passings(path(), track(forth + creep + again))
    assert [[k for k, _ in run] for run in runs] == [[0, 1, 2], [0, 1, 2]]
    assert runs[1][0] == (0, 300 * S)  # left A at its last reading there
