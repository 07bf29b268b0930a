"""GTFS static import: the export re-imports identically, and every problem of a feed is named
by file, line and field."""

import copy
import io

import pytest

from smartcity.transport import gtfs
from tests.transport.kit import feed_zip, read_feed

SMALL = {
    "agency.txt": [gtfs.COLUMNS["agency.txt"],
                   ["a1", "Transit", "https://transit.example", "Europe/Madrid"]],
    "stops.txt": [gtfs.COLUMNS["stops.txt"] + ["location_type"],
                  ["s1", "One", "40.400000", "-3.700000", "0"],
                  ["s2", "Two", "40.410000", "-3.700000", ""],
                  ["s3", "Three", "40.420000", "-3.700000", "0"],
                  ["st", "Station", "40.410000", "-3.700000", "1"]],
    "routes.txt": [gtfs.COLUMNS["routes.txt"], ["r1", "a1", "1", "One to Three", "3"]],
    "trips.txt": [gtfs.COLUMNS["trips.txt"], ["r1", "wk", "t1", "Three", "0"]],
    "stop_times.txt": [gtfs.COLUMNS["stop_times.txt"],
                       ["t1", "6:00:00", "6:00:00", "s1", "1"],
                       ["t1", "", "", "s2", "5"],
                       ["t1", "06:10:00", "06:11:00", "s3", "9"]],
    "calendar.txt": [gtfs.COLUMNS["calendar.txt"],
                     ["wk", "1", "1", "1", "1", "1", "0", "0", "20261201", "20271130"]],
}


def upload(client, headers, body: bytes, multipart=True):
    if multipart:
        return client.post("/api/transport/gtfs", headers=headers,
                           data={"file": (io.BytesIO(body), "gtfs.zip")},
                           content_type="multipart/form-data")
    return client.post("/api/transport/gtfs", headers=headers, data=body,
                       content_type="application/zip")


def test_the_export_re_imports_identically(client, viewer_headers, operator_headers, network):
    exported = client.get("/api/transport/gtfs.zip", headers=viewer_headers).data
    response = upload(client, operator_headers, exported)
    assert response.status_code == 201, response.get_json()
    counts = response.get_json()
    before = read_feed(exported)
    assert counts["trips"] == len(before["trips.txt"]) > 0
    assert counts["stop_times"] == len(before["stop_times.txt"])
    again = client.get("/api/transport/gtfs.zip", headers=viewer_headers).data
    assert read_feed(again) == before


def test_a_small_feed_imports_with_its_gaps_filled(client, viewer_headers, operator_headers):
    response = upload(client, operator_headers, feed_zip(SMALL), multipart=False)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"agencies": 1, "stops": 3, "routes": 1, "calendars": 1,
                                   "trips": 1, "stop_times": 3, "ignored_files": [],
                                   "skipped_stops": 1}
    feed = read_feed(client.get("/api/transport/gtfs.zip", headers=viewer_headers).data)
    # the untimed stop gets the time half way (by sequence position) between its neighbours;
    # H:MM:SS comes back as HH:MM:SS
    assert [(r["arrival_time"], r["departure_time"]) for r in feed["stop_times.txt"]] == [
        ("06:00:00", "06:00:00"), ("06:05:00", "06:05:00"), ("06:10:00", "06:11:00")]
    assert feed["agency.txt"][0]["agency_timezone"] == "Europe/Madrid"
    assert {r["stop_id"] for r in feed["stops.txt"]} == {"s1", "s2", "s3"}
    # a second import replaces the first whole
    smaller = copy.deepcopy(SMALL)
    smaller["stop_times.txt"] = [SMALL["stop_times.txt"][0], SMALL["stop_times.txt"][1],
                                 SMALL["stop_times.txt"][3]]
    assert upload(client, operator_headers, feed_zip(smaller)).get_json()["stop_times"] == 2


def broken(file: str, row: int, column: str, value: str) -> dict:
    tables = copy.deepcopy(SMALL)
    tables[file][row][tables[file][0].index(column)] = value
    return tables


@pytest.mark.parametrize("tables, message", [
    (broken("stops.txt", 2, "stop_lat", "91"),
     "stops.txt line 3, stop_lat: must be a number between -90 and 90"),
    (broken("stops.txt", 3, "stop_id", "s1"), "stops.txt line 4, stop_id: duplicate 's1'"),
    (broken("agency.txt", 1, "agency_timezone", "Mars/Olympus"),
     "agency.txt line 2, agency_timezone: unknown time zone 'Mars/Olympus'"),
    (broken("agency.txt", 1, "agency_url", "transit.example"),
     "agency.txt line 2, agency_url: must be a full http(s) URL"),
    (broken("routes.txt", 1, "route_type", "99"),
     "routes.txt line 2, route_type: must be a route type of the reference (3: bus)"),
    (broken("trips.txt", 1, "route_id", "nope"),
     "trips.txt line 2, route_id: no route 'nope' in routes.txt"),
    (broken("trips.txt", 1, "service_id", "nope"),
     "trips.txt line 2, service_id: no service 'nope' in calendar.txt"),
    (broken("trips.txt", 1, "direction_id", "2"),
     "trips.txt line 2, direction_id: must be 0, 1 or empty"),
    (broken("stop_times.txt", 3, "arrival_time", "05:59:00"),
     "stop_times.txt line 4, arrival_time: goes back in time from the previous stop"),
    (broken("stop_times.txt", 1, "arrival_time", "6h"),
     "stop_times.txt line 2, arrival_time: must be HH:MM:SS"),
    (broken("stop_times.txt", 3, "arrival_time", ""),
     "stop_times.txt line 4, arrival_time: required at a trip's first and last stop"),
    (broken("stop_times.txt", 2, "stop_id", "st"),
     "stop_times.txt line 3, stop_id: no stop 'st' in stops.txt"),
    (broken("stop_times.txt", 2, "stop_sequence", "-1"),
     "stop_times.txt line 3, stop_sequence: must be a non-negative integer"),
    (broken("calendar.txt", 1, "end_date", "20261130"),
     "calendar.txt line 2, end_date: must not be before start_date"),
    (broken("calendar.txt", 1, "sunday", "yes"), "calendar.txt line 2, sunday: must be 0 or 1"),
])
def test_a_broken_feed_names_file_line_and_field(client, operator_headers, tables, message):
    response = upload(client, operator_headers, feed_zip(tables))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"] == message
    assert error["details"]["field"] == "file" and error["details"]["problems"]


def test_missing_files_columns_and_non_zips(client, operator_headers):
    for body, message in (
            (feed_zip(SMALL, drop=("calendar.txt",)), "calendar.txt: required file missing"),
            (b"not a zip", "file: not a zip archive"),
            (b"", "file: a GTFS zip is required")):
        response = upload(client, operator_headers, body, multipart=False)
        assert response.status_code == 400
        assert response.get_json()["error"]["message"] == message
    tables = copy.deepcopy(SMALL)
    tables["routes.txt"] = [[c for c in row if c != "3"] for row in tables["routes.txt"]]
    tables["routes.txt"][0] = gtfs.COLUMNS["routes.txt"][:-1]
    response = upload(client, operator_headers, feed_zip(tables))
    assert response.get_json()["error"]["message"] == \
        "routes.txt line 1, route_type: required column missing"


def test_every_problem_is_listed_up_to_twenty(client, operator_headers):
    tables = copy.deepcopy(SMALL)
    for row in tables["stops.txt"][1:4]:
        row[2] = "north"
    problems = upload(client, operator_headers, feed_zip(tables)).get_json()["error"][
        "details"]["problems"]
    assert [(p["file"], p["line"], p["field"]) for p in problems[:3]] == [
        ("stops.txt", 2, "stop_lat"), ("stops.txt", 3, "stop_lat"), ("stops.txt", 4, "stop_lat")]


def test_a_viewer_may_not_import(client, viewer_headers):
    assert upload(client, viewer_headers, feed_zip(SMALL)).status_code == 403
