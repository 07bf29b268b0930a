"""Simulated devices obey commands and desired configuration, and report in catalogue units."""

import pytest

from smartcity.devices.catalogue import DEVICE_TYPES
from smartcity.devices.commands_catalogue import commands_for
from smartcity.simulator.base import CommandError
from smartcity.simulator.fleet import Fleet
from tests.simulator.test_signals import at

NIGHT = at(1, 22.0)  # Tuesday 22:00: lights on at full power
NOON = at(1, 11.0)


@pytest.fixture
def fleet(city):
    return Fleet(42, city=city)


def test_readings_use_only_catalogue_keys(fleet):
    for t in (NIGHT, NOON):
        for device_id, values in fleet.sample_all(t):
            allowed = set(DEVICE_TYPES[fleet.devices[device_id].spec.type][1])
            assert set(values) <= allowed, (device_id, set(values) - allowed)


def test_every_command_of_the_catalogue_is_understood(fleet):
    for device in fleet.devices.values():
        for name in commands_for(device.spec.type):
            assert name in ("ping", "reboot") or hasattr(device, f"do_{name}"), (device.id, name)


def test_a_dimmed_streetlight_reports_its_level_and_draws_less(fleet):
    light = fleet.devices["light-1"]
    full = light.sample(NIGHT)
    assert full["power_state"] is True and full["dim_level"] == 100
    assert light.command("set_dim_level", {"level": 30}) == {"dim_level": 30.0}
    dimmed = light.sample(NIGHT + 60)
    assert dimmed["dim_level"] == 30 and dimmed["power"] < 0.5 * full["power"]
    light.command("set_power_state", {"on": False})
    assert light.sample(NIGHT + 120)["power"] == 0


def test_desired_config_sets_the_dim_level_and_is_reported_back(fleet):
    light = fleet.devices["light-2"]
    assert light.configure({"dim_level": 45, "report_interval_s": 120}) == {
        "dim_level": 45, "report_interval_s": 120}
    assert light.sample(NIGHT)["dim_level"] == 45 and light.interval_s == 120
    light.configure({"dim_level": "auto"})
    assert light.sample(NIGHT + 60)["dim_level"] == 100


def test_an_applied_signal_plan_changes_the_flows_through_the_junction(fleet, city):
    signal = fleet.devices["sig-1"]
    junction = signal.spec.asset_id
    counted = [d for d in fleet.devices.values() if d.spec.type == "traffic_counter"]
    approaches = {s for _n, s in city.adjacency[junction]}
    t = at(1, 8.0)
    before = {s: fleet.world.at(t).segment(s) for s in approaches}
    result = signal.command("apply_plan", {"plan_id": "west-east-wave", "cycle_s": 120,
                                           "greens_s": [90, 20]})
    assert result["applied"]["greens_s"] == [90, 20]
    assert signal.sample(t)["plan_id"] == "west-east-wave"
    fleet.world.at(t + 1)
    after = {s: fleet.world.segment(s) for s in approaches}
    assert any(after[s][0] < before[s][0] * 0.8 for s in approaches)  # starved approaches
    assert counted  # counters read these same segment states


def test_a_closed_valve_starves_its_dma(fleet):
    t = at(1, 8.0)
    open_flow = fleet.devices["valve-3"].sample(t)["flow"]
    critical = fleet.devices["ps-3"].sample(t)["pressure"]
    fleet.devices["valve-3"].command("set_position", {"position": 20})
    closed = fleet.devices["valve-3"].sample(t + 60)
    assert closed["position"] == 20 and closed["flow"] < 0.7 * open_flow
    assert fleet.devices["ps-3"].sample(t + 60)["pressure"] < critical - 0.5


def test_battery_discharges_on_command_and_bins_reset(fleet):
    battery = fleet.devices["bat-1"]
    battery.sample(NOON)
    battery.command("discharge", {"power_kw": 300, "duration_s": 600})
    reading = battery.sample(NOON + 300)
    assert reading["power"] == 300
    assert battery.sample(NOON + 1200)["power"] != 300  # the command ran out
    bin_ = fleet.devices["bin-1"]
    bin_.command("reset_fill_level", {})
    assert bin_.sample(NOON)["fill_level"] < 2


def test_unknown_commands_and_bad_parameters_fail(fleet):
    with pytest.raises(CommandError):
        fleet.devices["aq-1"].command("set_dim_level", {"level": 3})
    with pytest.raises(TypeError):
        fleet.devices["light-1"].command("set_dim_level", {"brightness": 3})
    assert fleet.devices["aq-1"].command("ping", {}) == {"pong": True}


def test_bins_fill_and_trucks_empty_them(city):
    fleet = Fleet(42, city=city, ids={d.id for d in city.devices
                                      if d.type == "smart_bin" or d.id.startswith("truck")})
    start = at(1, 5.0)
    fills = []
    for k in range(0, 36 * 12):  # a day and a half, every 5 minutes
        fleet.sample_all(start + k * 300)
        fills.append(dict(fleet.world.bin_fill))
    emptied = [b for b in fills[0] if any(
        later[b] < earlier[b] - 40 for earlier, later in zip(fills, fills[1:], strict=False))]
    assert len(emptied) >= 10
    states = {fleet.devices[t].sample(start + 36 * 3600)["state"] for t in fleet.devices
              if t.startswith("truck")}
    assert states <= {"idle", "collecting", "returning"}


def test_a_truck_drives_the_round_the_platform_assigned(city):
    fleet = Fleet(42, city=city, ids={d.id for d in city.devices
                                      if d.type == "smart_bin" or d.id == "truck-1"})
    start = at(1, 5.0)
    fleet.sample_all(start)
    world, truck = fleet.world, fleet.devices["truck-1"]
    chosen = ["bin-3", "bin-17", "bin-40"]
    for b in world.bin_fill:
        world.bin_fill[b] = 5.0  # nothing is due by the truck's own rule
    assert truck.command("assign_route", {"bins": chosen + ["bin-999"]}) == {
        "accepted": 3, "unknown": ["bin-999"]}
    emptied, before = set(), dict(world.bin_fill)
    for k in range(1, 8 * 12):  # past 6:00, when rounds start
        fleet.sample_all(start + k * 300)
        emptied |= {b for b, fill in world.bin_fill.items() if fill < before[b]}
        before = dict(world.bin_fill)
    assert emptied == set(chosen)
    with pytest.raises(CommandError):
        fleet.devices["bin-1"].command("assign_route", {"bins": ["bin-3"]})


def test_buses_move_along_their_line(fleet, city):
    bus = fleet.devices["bus-1"]
    positions = [bus.sample(NOON + k * 10) for k in range(60)]
    moved = {(p["lat"], p["lon"]) for p in positions}
    assert len(moved) > 20
    assert all(0 <= p["heading"] < 360 and p["speed"] >= 0 for p in positions)
    assert positions[-1]["odometer"] > positions[0]["odometer"]
