"""History goes newest hours first; meters and vehicles read as one pass in time order would."""

from smartcity.simulator.backfill import newest_first, span_label, steps_newest_first
from smartcity.simulator.coverage import grid
from smartcity.simulator.devices import STATEFUL
from smartcity.simulator.fleet import Fleet, select

T0 = 1_772_400_000.0


def test_the_grid_is_split_into_the_last_hours_the_day_and_the_rest():
    times = grid(T0 - 2 * 86_400, T0, 300)
    blocks = newest_first(times)
    assert [times[b - 1] - times[a] for a, b in blocks] == [3 * 3600, 21 * 3600 - 300,
                                                           24 * 3600 - 600]
    assert blocks[0][1] == len(times) and blocks[-1][0] == 0  # newest first, nothing left out
    assert newest_first(times[:5]) == [(0, 5)] and newest_first([]) == []


def test_newest_first_readings_equal_those_of_one_pass_in_time_order(city):
    ids = {d.id for d in select(city.devices, 30)}
    times = grid(T0 - 5 * 3600, T0, 600)
    in_order = {}
    fleet = Fleet(42, city=city, ids=ids)
    for t in times:
        for device_id, values in fleet.sample_all(t):
            in_order[(t, device_id)] = values
    reordered = {}
    order = []
    for t, readings in steps_newest_first(lambda: Fleet(42, city=city, ids=ids), times):
        order.append(t)
        for device_id, values in readings:
            reordered[(t, device_id)] = values
    # Meters and vehicles carry state (totals, odometers): they read exactly the same. Sensors
    # draw noise from their own stream, so theirs differ in the noise only, as live readings do.
    stateful = {d.id for d in city.devices if d.type in STATEFUL}
    assert reordered.keys() == in_order.keys()
    assert {k: v for k, v in reordered.items() if k[1] in stateful} == {
        k: v for k, v in in_order.items() if k[1] in stateful}
    assert all(reordered[k].keys() == in_order[k].keys() for k in in_order)
    assert order[0] == times[-19] and order[-1] == times[10]  # last 3 h first, oldest 2 h last


def test_the_label_names_the_span():
    assert span_label(7 * 86_400) == "7 days of history"
    assert span_label(3 * 3600) == "3 h of history"
