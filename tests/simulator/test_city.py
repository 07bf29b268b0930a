"""The generated demo city: a connected road graph, assets with valid geometry, and ~300 devices
of every type, each inside the city and linked to an existing asset."""

from collections import Counter

from smartcity.devices.catalogue import DEVICE_TYPES
from smartcity.devices.schemas import device_create_schema
from smartcity.simulator import geo
from smartcity.simulator.city import generate_city
from smartcity.simulator.model import connected

# Which asset type a device of each type belongs to.
HOME = {"traffic_counter": {"road_segment"}, "traffic_signal": {"junction"},
        "smart_bin": {"bin_site"}, "energy_meter": {"feeder"}, "generator": {"feeder"},
        "battery": {"substation"}, "water_meter": {"dma"}, "pressure_sensor": {"dma"},
        "water_quality_sensor": {"dma"}, "water_valve": {"dma"}, "streetlight": {"road_segment"},
        "air_quality_station": {"district"}, "noise_sensor": {"district"},
        "weather_station": {"district"}, "gateway": {"district"},
        "vehicle": {"bus_line", "depot", "fire_station", "ambulance_station", "police_station"}}


def test_road_graph_is_connected(city):
    assert connected(city.nodes, city.adjacency)
    for seg in city.segments.values():
        assert seg.a in city.nodes and seg.b in city.nodes and seg.length_m > 100
        assert seg.lanes >= 1 and seg.speed_kmh > 0 and seg.capacity_vph > 0


def test_road_network_has_a_few_hundred_intersections_and_main_roads(city):
    assert 200 <= len(city.nodes) <= 400
    classes = Counter(s.road_class for s in city.segments.values())
    assert classes["ring"] and classes["arterial"] and classes["local"] > classes["arterial"]
    signalised = [a for a in city.of_type("junction") if a.properties["signalised"]]
    assert len(signalised) == 24


def test_city_holds_every_kind_of_asset(city):
    types = Counter(a.type for a in city.assets.values())
    for kind in ("district", "junction", "road_segment", "substation", "feeder", "dma",
                 "bus_line", "bus_stop", "bin_site", "fire_station", "ambulance_station",
                 "police_station", "depot"):
        assert types[kind] > 0, kind
    districts = city.of_type("district")
    assert sum(d.properties["population"] for d in districts) == \
        city.assets["city"].properties["population"] > 50_000
    assert all(d.properties["population"] > 0 for d in city.of_type("dma"))
    assert all(f.properties["customers"] > 0 for f in city.of_type("feeder"))


def test_asset_parents_exist_and_geometry_lies_inside_the_city(city):
    min_lon, min_lat, max_lon, max_lat = geo.bbox(city.assets["city"].geometry)
    for asset in city.assets.values():
        assert asset.parent_id is None or asset.parent_id in city.assets, asset.id
        lon0, lat0, lon1, lat1 = geo.bbox(asset.geometry)
        assert min_lon <= lon0 <= lon1 <= max_lon and min_lat <= lat0 <= lat1 <= max_lat, asset.id


def test_bus_lines_run_along_road_segments_and_serve_their_stops(city):
    for line in city.of_type("bus_line"):
        nodes, segments = line.properties["nodes"], line.properties["segments"]
        assert len(nodes) >= 8 and len(segments) == len(nodes) - 1
        for a, b, seg in zip(nodes, nodes[1:], segments, strict=False):
            assert {city.segments[seg].a, city.segments[seg].b} == {a, b}
        for stop in line.properties["stops"]:
            assert city.assets[stop].properties["node"] in nodes
            assert line.id in city.assets[stop].properties["lines"]


def test_about_300_devices_cover_every_device_type(city):
    assert 280 <= len(city.devices) <= 330
    assert len({d.id for d in city.devices}) == len(city.devices)
    assert {d.type for d in city.devices} == set(DEVICE_TYPES)
    kinds = {d.metadata["kind"] for d in city.devices if d.type == "vehicle"}
    assert kinds == {"bus", "truck", "ambulance", "fire_engine", "police_car"}


def test_every_device_is_inside_its_district_and_linked_to_an_existing_asset(city):
    districts = city.of_type("district")
    for device in city.devices:
        lon, lat = device.lonlat
        inside = [d.id for d in districts if geo.point_in_polygon(lon, lat, d.geometry)]
        assert inside, device.id
        asset = city.assets.get(device.asset_id)
        assert asset is not None, device.id
        assert asset.type in HOME[device.type], (device.id, asset.type)
        if asset.type == "district":
            assert asset.id in inside
        if device.type == "traffic_signal":
            assert asset.properties["signalised"]


def test_every_device_passes_the_api_schema(city):
    for device in city.devices:
        device_create_schema.load(device.api_body())


def test_the_same_seed_builds_the_same_city_and_another_seed_a_different_one(city):
    again = generate_city(42)
    assert [(a.id, a.geometry, a.properties) for a in again.assets.values()] == \
        [(a.id, a.geometry, a.properties) for a in city.assets.values()]
    assert [(d.id, d.x, d.y, d.asset_id) for d in again.devices] == \
        [(d.id, d.x, d.y, d.asset_id) for d in city.devices]
    other = generate_city(7)
    assert [n.x for n in other.nodes.values()] != [n.x for n in city.nodes.values()]
    assert connected(other.nodes, other.adjacency)
