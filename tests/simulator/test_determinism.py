"""The same seed gives the same readings; a warmed-up live fleet continues where history ends."""

from smartcity.simulator import coverage
from smartcity.simulator.coverage import grid
from smartcity.simulator.devices import STATEFUL
from smartcity.simulator.fleet import Fleet, select

T0 = 1_772_400_000.0  # a fixed moment (March 2026)


def readings(fleet, steps=12, step=60.0):
    return [fleet.sample_all(T0 + k * step) for k in range(steps)]


def test_the_same_seed_gives_identical_readings(city):
    assert readings(Fleet(42, city=city)) == readings(Fleet(42, city=city))


def test_another_seed_gives_other_readings(city):
    first, other = readings(Fleet(42, city=city), 2), readings(Fleet(43, city=city), 2)
    assert first != other
    assert [d for d, _ in first[0]] == [d for d, _ in other[0]]


def test_a_subset_keeps_every_device_type(city):
    chosen = select(city.devices, 40)
    assert len(chosen) == 40
    assert {d.type for d in chosen} == {d.type for d in city.devices}


def test_warm_up_leaves_the_fleet_where_a_backfill_over_the_same_grid_leaves_it(city):
    times = grid(T0 - 6 * 3600, T0, 300)
    history, live = Fleet(42, city=city), Fleet(42, city=city)
    for t in times:
        history.sample_all(t)
    live.warm_up(times)
    now = T0 + 17.0
    for device_id, device in history.devices.items():
        if device.spec.type in STATEFUL:
            assert live.devices[device_id].sample(now) == device.sample(now), device_id


def test_history_skips_times_an_earlier_run_already_covered(tmp_path):
    state = tmp_path / "simulator-state.json"
    coverage.add(state, 1000.0, 1900.0)
    coverage.add(state, 1850.0, 2500.0)  # a live run that overlapped its history
    coverage.add(state, 4000.0, 4100.0)
    assert coverage.load(state) == [[1000.0, 2500.0], [4000.0, 4100.0]]
    times = grid(0, 5000, 300, coverage.load(state))
    assert times == [0, 300, 600, 900, 2700, 3000, 3300, 3600, 3900, 4200, 4500, 4800]
    assert grid(0, 5000, 300) == [300.0 * k for k in range(17)]
