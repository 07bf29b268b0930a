"""GTFS static export of the demo city's lines and stops, checked structurally against the
reference's required files, columns, formats and references."""

import re

from smartcity.transport import gtfs
from tests.transport.kit import read_feed

TIME = re.compile(r"^\d{2,}:[0-5]\d:[0-5]\d$")
DATE = re.compile(r"^\d{8}$")


def check_structure(feed: dict[str, list[dict]]) -> None:
    """What a validator's structural pass checks: files, required columns, formats, unique
    ids, every reference resolving, stop times in sequence and never going back in time."""
    for name, columns in gtfs.COLUMNS.items():
        assert feed.get(name), f"{name} missing or empty"
        for row in feed[name]:
            assert all(row.get(c) not in (None, "") for c in columns if c != "trip_headsign"), \
                (name, row)
    ids = {}
    for name, key in (("agency.txt", "agency_id"), ("stops.txt", "stop_id"),
                      ("routes.txt", "route_id"), ("trips.txt", "trip_id"),
                      ("calendar.txt", "service_id")):
        values = [r[key] for r in feed[name]]
        assert len(values) == len(set(values)), f"duplicate {key} in {name}"
        ids[key] = set(values)
    for stop in feed["stops.txt"]:
        assert -90 <= float(stop["stop_lat"]) <= 90 and -180 <= float(stop["stop_lon"]) <= 180
    for route in feed["routes.txt"]:
        assert route["agency_id"] in ids["agency_id"] and route["route_type"] == "3"
    for trip in feed["trips.txt"]:
        assert trip["route_id"] in ids["route_id"] and trip["service_id"] in ids["service_id"]
        assert trip["direction_id"] in ("0", "1")
    by_trip: dict[str, list[dict]] = {}
    for st in feed["stop_times.txt"]:
        assert st["stop_id"] in ids["stop_id"] and st["trip_id"] in ids["trip_id"]
        assert TIME.match(st["arrival_time"]) and TIME.match(st["departure_time"])
        by_trip.setdefault(st["trip_id"], []).append(st)
    assert set(by_trip) == ids["trip_id"], "a trip without stop times"
    for rows in by_trip.values():
        assert len(rows) >= 2
        sequence = [int(r["stop_sequence"]) for r in rows]
        assert sequence == sorted(set(sequence))
        times = [r["arrival_time"] for r in rows]
        assert times == sorted(times, key=lambda t: tuple(map(int, t.split(":"))))
    for service in feed["calendar.txt"]:
        assert DATE.match(service["start_date"]) and DATE.match(service["end_date"])
        assert service["start_date"] <= service["end_date"]
        assert {service[d] for d in gtfs.COLUMNS["calendar.txt"][1:8]} <= {"0", "1"}


def test_the_demo_city_exports_a_structurally_valid_feed(client, viewer_headers, network):
    response = client.get("/api/transport/gtfs.zip", headers=viewer_headers)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    feed = read_feed(response.data)
    check_structure(feed)
    lines = sorted((a for a in network.assets.values() if a.type == "bus_line"),
                   key=lambda a: a.id)
    assert [r["route_id"] for r in feed["routes.txt"]] == [a.id for a in lines]
    assert [r["route_short_name"] for r in feed["routes.txt"]] == ["1", "2", "3", "4", "5"]
    stops = {a.id for a in network.assets.values() if a.type == "bus_stop"}
    assert {r["stop_id"] for r in feed["stops.txt"]} == stops
    agency = feed["agency.txt"][0]
    assert agency["agency_timezone"] == "UTC" and agency["agency_url"].startswith("https://")
    for line in lines:
        trips = [t for t in feed["trips.txt"] if t["route_id"] == line.id]
        # 06:00 to 22:00 every headway, both ways
        per_direction = 16 * 60 // line.properties["headway_min"] + 1
        assert len(trips) == 2 * per_direction
        first = next(t for t in trips if t["direction_id"] == "0")["trip_id"]
        served = [st["stop_id"] for st in feed["stop_times.txt"] if st["trip_id"] == first]
        assert served == line.properties["stops"]


def test_stop_times_follow_distance_at_the_scheduled_speed():
    line = {"id": "l", "ref": "1", "name": "L", "nodes": ["a", "b", "c"],
            "coordinates": [[0.0, 0.0], [0.0, 0.009], [0.0, 0.018]],  # ~1 km apart
            "stops": ["s1", "s3"], "stop_nodes": {"s1": "a", "s3": "c"},
            "stop_names": {"s1": "One", "s3": "Three"}, "headway_min": 30}
    trips, times = gtfs.timetable(line, 20.0, 6 * 3600, 7 * 3600)
    assert [t[2] for t in trips] == ["l-0-001", "l-0-002", "l-0-003",
                                     "l-1-001", "l-1-002", "l-1-003"]
    assert trips[0][3] == "Three" and trips[3][3] == "One"
    # 2001.5 m at 20 km/h: 360.3 s
    assert times[:2] == [["l-0-001", "06:00:00", "06:00:00", "s1", 1],
                         ["l-0-001", "06:06:00", "06:06:00", "s3", 2]]
    assert gtfs.hms(25 * 3600 + 61) == "25:01:01"


def test_nothing_to_export_is_a_conflict(client, viewer_headers):
    response = client.get("/api/transport/gtfs.zip", headers=viewer_headers)
    assert response.status_code == 409
