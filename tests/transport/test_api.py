"""Transport: vehicles' latest state, tracks, the GTFS-realtime feed and live pushes."""

import pytest
from google.transit import gtfs_realtime_pb2

from smartcity.timeutil import now_ms
from tests.domain import wait_for

MIN = 60_000


@pytest.fixture
def fleet(make_device, store):
    """A diesel bus with three positions, an electric truck with one, a car with none."""
    make_device("bus-1", type="vehicle", name="Bus 1", metadata={"kind": "bus", "line": "line-1"})
    make_device("truck-1", type="vehicle", metadata={"kind": "truck", "powertrain": "electric"})
    make_device("car-1", type="vehicle", metadata={"kind": "police_car"})
    t0 = (now_ms() - 30 * MIN) // 1000 * 1000
    store([("bus-1", t0, {"lat": 40.41, "lon": -3.70, "speed": 0.0, "heading": 0.0}),
           ("bus-1", t0 + MIN, {"lat": 40.42, "lon": -3.71, "speed": 18.0, "heading": 270.0}),
           ("bus-1", t0 + 2 * MIN, {"lat": 40.43, "lon": -3.72, "speed": 36.0, "heading": 315.5,
                                    "occupancy": 23, "fuel": 61.5, "odometer": 12345.678,
                                    "state": "in_service"}),
           ("truck-1", t0 + MIN, {"lat": 40.40, "lon": -3.69, "speed": 9.0, "heading": 90.0,
                                  "battery": 77.0, "state": "collecting"})])
    return t0


def test_vehicles_with_latest_state(api, fleet):
    items = {v["id"]: v for v in api("/api/transport/vehicles")["items"]}
    assert set(items) == {"bus-1", "truck-1", "car-1"}
    bus = items["bus-1"]
    assert bus["position"] == {"lat": 40.43, "lon": -3.72, "ts": fleet + 2 * MIN}
    assert (bus["kind"], bus["line"], bus["speed_kmh"], bus["heading"]) == ("bus", "line-1",
                                                                          36.0, 315.5)
    assert (bus["occupancy"], bus["fuel"], bus["battery"], bus["state"]) == (23, 61.5, None,
                                                                           "in_service")
    assert items["truck-1"]["battery"] == 77.0 and items["truck-1"]["fuel"] is None
    assert items["car-1"]["position"] is None and items["car-1"]["kind"] == "police_car"
    assert [v["id"] for v in api("/api/transport/vehicles", kind="truck")["items"]] == ["truck-1"]
    assert api("/api/transport/vehicles/truck-1")["state"] == "collecting"


def test_track_is_a_geojson_linestring_in_the_window(api, fleet):
    track = api("/api/transport/vehicles/bus-1/track", start=fleet, end=fleet + 2 * MIN + 1)
    assert track["type"] == "Feature" and track["geometry"]["type"] == "LineString"
    assert track["geometry"]["coordinates"] == [[-3.70, 40.41], [-3.71, 40.42], [-3.72, 40.43]]
    assert track["properties"]["timestamps"] == [fleet, fleet + MIN, fleet + 2 * MIN]
    later = api("/api/transport/vehicles/bus-1/track", start=fleet + MIN, end=fleet + 2 * MIN)
    assert later["geometry"]["coordinates"] == [[-3.71, 40.42]]
    assert api("/api/transport/vehicles/car-1/track")["geometry"]["coordinates"] == []


def test_track_errors(client, viewer_headers, fleet, make_device):
    make_device("bin-1", type="smart_bin")
    for path, status in (("/api/transport/vehicles/nope/track", 404),
                         ("/api/transport/vehicles/bin-1/track", 404),
                         ("/api/transport/vehicles/bus-1/track?start=yesterday", 400)):
        response = client.get(path, headers=viewer_headers)
        assert response.status_code == status, (path, response.get_json())
    body = client.get("/api/transport/vehicles/bus-1/track?start=-1h&end=-2h",
                      headers=viewer_headers).get_json()
    assert body["error"]["details"]["field"] == "end"


def test_gtfs_realtime_feed_parses_with_the_official_bindings(client, viewer_headers, fleet):
    before = now_ms() // 1000
    response = client.get("/api/transport/gtfs-rt/vehicle-positions", headers=viewer_headers)
    assert response.status_code == 200 and response.mimetype == "application/x-protobuf"
    message = gtfs_realtime_pb2.FeedMessage()
    message.ParseFromString(response.data)
    assert message.header.gtfs_realtime_version == "2.0"
    assert message.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    assert before <= message.header.timestamp <= now_ms() // 1000
    entities = {e.id: e for e in message.entity}
    assert set(entities) == {"bus-1", "truck-1"}  # car-1 never reported a position
    bus = entities["bus-1"].vehicle
    assert bus.vehicle.id == "bus-1" and bus.vehicle.label == "Bus 1"
    assert bus.position.latitude == pytest.approx(40.43, abs=1e-5)  # proto float: 32 bits
    assert bus.position.longitude == pytest.approx(-3.72, abs=1e-5)
    assert bus.position.bearing == 315.5
    assert bus.position.speed == pytest.approx(10.0)  # 36 km/h is 10 m/s
    assert bus.position.odometer == pytest.approx(12_345_678.0)  # metres
    assert bus.timestamp == (fleet + 2 * MIN) // 1000
    truck = entities["truck-1"].vehicle
    assert truck.position.speed == pytest.approx(2.5) and truck.position.bearing == 90.0
    assert truck.timestamp == (fleet + MIN) // 1000
    assert not truck.position.HasField("odometer")


def test_gtfs_realtime_json_for_people(api, client, viewer_headers, fleet):
    feed = api("/api/transport/gtfs-rt/vehicle-positions", format="json")
    assert feed["header"]["gtfs_realtime_version"] == "2.0"
    assert feed["header"]["incrementality"] == "FULL_DATASET"
    bus = next(e for e in feed["entity"] if e["id"] == "bus-1")["vehicle"]
    assert bus["vehicle"]["id"] == "bus-1" and bus["position"]["speed"] == pytest.approx(10.0)
    assert int(bus["timestamp"]) == (fleet + 2 * MIN) // 1000
    bad = client.get("/api/transport/gtfs-rt/vehicle-positions?format=xml",
                     headers=viewer_headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["field"] == "format"


def test_committed_positions_are_pushed_as_transport_update(live, make_device, store):
    make_device("bus-9", type="vehicle", metadata={"kind": "bus"})
    sio = live("transport")
    store([("bus-9", now_ms(), {"lat": 40.5, "lon": -3.6, "speed": 12.0, "fuel": 50.0})])
    update = wait_for(sio, "transport_update")[-1]
    assert update["kind"] == "positions"
    assert update["vehicles"]["bus-9"] == {"lat": 40.5, "lon": -3.6, "speed": 12.0}


def test_tile_counts_vehicles_in_service(app, fleet):
    from smartcity.transport import in_service_tile
    with app.app_context():
        assert in_service_tile() == {"value": 2, "detail": "of 3 vehicles", "status": "ok"}
