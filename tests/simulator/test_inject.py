"""Each injected event leaves the signature the domain logic should detect.

A fleet with the event and one without (same seed, so the same noise) read the same times.
"""

import pytest

from smartcity.simulator import inject
from smartcity.simulator.fleet import Fleet
from tests.simulator.test_signals import at


def pair(city, kind, start, duration=6 * 3600, target=None):
    event = inject.plan(kind, city, start, duration, target, seed=42)
    return Fleet(42, events=[event], city=city), Fleet(42, city=city), event


def read(fleet, device_id, t):
    return fleet.devices[device_id].sample(t)


def test_a_leak_raises_the_night_flow_at_the_dma_inlet_and_drops_pressure(city):
    with_leak, without, event = pair(city, "leak", at(2, 1.0), target="dma-2")
    night = at(2, 3.5)
    mean = city.assets["dma-2"].properties["mean_demand_m3h"]
    leak, base = read(with_leak, "wm-2", night), read(without, "wm-2", night)
    assert leak["flow"] - base["flow"] == pytest.approx(inject.LEAK_SHARE * mean, rel=0.1)
    assert leak["flow"] > 1.5 * base["flow"]  # the minimum night flow stands out
    assert read(without, "ps-2", night)["pressure"] - read(with_leak, "ps-2", night)[
        "pressure"] > 0.3
    assert read(with_leak, "wm-1", night) == read(without, "wm-1", night)  # other DMAs untouched


def test_a_fire_spikes_particles_and_co_near_it_and_sends_a_fire_engine(city):
    start = at(3, 14.0)
    with_fire, without, event = pair(city, "fire", start, 3600, target="aq-5")
    t = start + 1200
    fire, base = read(with_fire, "aq-5", t), read(without, "aq-5", t)
    assert fire["pm25"] > 3 * base["pm25"] and fire["pm10"] > 3 * base["pm10"]
    assert fire["co"] > base["co"] + 2
    far = max((d for d in city.devices if d.type == "air_quality_station"),
              key=lambda d: (d.x - event.x) ** 2 + (d.y - event.y) ** 2)
    assert read(with_fire, far.id, t) == read(without, far.id, t)
    engines = [d for d in with_fire.devices if d.startswith("fire-engine")]
    states = {}
    for k in range(0, 1500, 30):
        for engine in engines:
            states.setdefault(engine, set()).add(read(with_fire, engine, start + k)["state"])
    assert any({"en_route", "on_scene"} <= s for s in states.values()), states


def test_congestion_collapses_speed_and_fills_detectors_on_the_corridor(city):
    start = at(1, 10.0)
    with_jam, without, event = pair(city, "congestion", start, 3600)
    counters = [d.id for d in city.devices if d.type == "traffic_counter"
                and d.asset_id in event.params["segments"]]
    assert counters and event.params["at"] in event.params["segments"]
    t = start + 1800
    for counter in counters:
        jam, base = read(with_jam, counter, t), read(without, counter, t)
        assert jam["speed"] < 0.5 * base["speed"]
        assert jam["occupancy"] > base["occupancy"] + 20
    elsewhere = next(d.id for d in city.devices if d.type == "traffic_counter"
                     and d.asset_id not in event.params["segments"])
    assert read(with_jam, elsewhere, t) == read(without, elsewhere, t)


@pytest.mark.parametrize("mode", ["flatline", "out_of_range"])
def test_a_sensor_fault_flatlines_or_reads_out_of_range(city, mode):
    start = at(1, 6.0)
    event = inject.plan("sensor-fault", city, start, 3600, "cnt-3")
    event.params["mode"] = mode
    fleet = Fleet(42, events=[event], city=city)
    before = read(fleet, "cnt-3", start - 60)
    during = [read(fleet, "cnt-3", start + k * 60) for k in range(1, 30)]
    after = read(fleet, "cnt-3", start + 3700)
    if mode == "flatline":
        assert all(r == before for r in during)  # stuck on the last good reading
    else:
        assert all(any(v >= 9999 or v <= -999 for v in r.values()) for r in during)
    assert after != before and all(0 <= v < 9999 for v in after.values())


def test_a_pollution_episode_raises_particles_city_wide_under_stagnant_air(city):
    start = at(4, 0.0)
    with_episode, without, _ = pair(city, "pollution-episode", start, 8 * 3600)
    t = start + 4 * 3600
    for station in (d.id for d in city.devices if d.type == "air_quality_station"):
        high, base = read(with_episode, station, t), read(without, station, t)
        assert high["pm25"] > 2 * base["pm25"] and high["no2"] > 1.5 * base["no2"]
    assert read(with_episode, "wx-1", t)["wind_speed"] < read(without, "wx-1", t)["wind_speed"]


def test_event_specs_parse_and_bad_ones_are_refused():
    assert inject.parse_spec("leak") == ("leak", None, 0.0, None)
    assert inject.parse_spec("leak:dma-2@10m+2h") == ("leak", "dma-2", 600.0, 7200.0)
    assert inject.parse_spec("congestion:Corso Roma") == ("congestion", "Corso Roma", 0.0, None)
    for bad in ("flood", "leak@soon", "fire+"):
        with pytest.raises(ValueError):
            inject.parse_spec(bad)
