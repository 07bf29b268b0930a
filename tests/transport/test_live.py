"""Adherence, headways, arrival predictions and GTFS-realtime TripUpdates over the API: an
imported timetable due around now and two buses' tracks stored through the real pipeline.

Line R runs north along the prime meridian with stops A, B, C, D every U = 0.009 degrees.
Trip T0 leaves A at t0 - 1200 s, T1 at t0; both take 240 s per stop. Bus 2 passed B, C, D at
t0 - 1000, -800, -600 s (T0, 40, 80, 120 s early); bus 1 left A at t0 + 60 and passed B at
t0 + 260 (T1, 60 and 20 s late) and is 1.2 U down the line at t0 + 300 s.
"""

from datetime import UTC, datetime, timedelta

import pytest
from google.transit import gtfs_realtime_pb2

from smartcity.timeutil import now_ms
from smartcity.transport import domain, gtfs, live, on_time_tile
from tests.transport.kit import feed_zip

U = 0.009
S = 1000


@pytest.fixture
def line(client, operator_headers, make_device, store):
    now = now_ms() // S * S
    day = datetime.fromtimestamp(now / S, UTC).date()
    base = int(datetime.combine(day, datetime.min.time(), UTC).timestamp()) * S
    s0 = (now - base) // S - 310
    if s0 < 1300:  # just after midnight: yesterday's service day, times past 24:00
        day, base, s0 = day - timedelta(days=1), base - 86_400 * S, s0 + 86_400
    t0 = base + s0 * S

    def stop_times(trip, start):
        return [[trip, gtfs.hms(start + 240 * k), gtfs.hms(start + 240 * k), stop, k + 1]
                for k, stop in enumerate("ABCD")]

    tables = {
        "agency.txt": [gtfs.COLUMNS["agency.txt"], ["ag", "Bus", "https://bus.example", "UTC"]],
        "stops.txt": [gtfs.COLUMNS["stops.txt"]] + [[s, f"Stop {s}", f"{k * U:.6f}", "0"]
                                                   for k, s in enumerate("ABCD")],
        "routes.txt": [gtfs.COLUMNS["routes.txt"], ["R", "ag", "R", "A to D", "3"]],
        "trips.txt": [gtfs.COLUMNS["trips.txt"], ["R", "all", "T0", "D", "0"],
                      ["R", "all", "T1", "D", "0"]],
        "stop_times.txt": [gtfs.COLUMNS["stop_times.txt"], *stop_times("T0", s0 - 1200),
                           *stop_times("T1", s0)],
        "calendar.txt": [gtfs.COLUMNS["calendar.txt"],
                         ["all", *"1111111", (day - timedelta(days=1)).strftime("%Y%m%d"),
                          (day + timedelta(days=1)).strftime("%Y%m%d")]],
    }
    response = client.post("/api/transport/gtfs", data=feed_zip(tables),
                           content_type="application/zip", headers=operator_headers)
    assert response.status_code == 201, response.get_json()
    make_device("bus-1", type="vehicle", metadata={"kind": "bus", "line": "R"})
    make_device("bus-2", type="vehicle", metadata={"kind": "bus", "line": "R"})
    make_device("car-1", type="vehicle", metadata={"kind": "police_car"})

    def at(vehicle, seconds, x):
        return (vehicle, t0 + seconds * S, {"lat": x * U, "lon": 0.0})

    store([at("bus-2", -1100, 0.5), at("bus-2", -900, 1.5), at("bus-2", -700, 2.5),
           at("bus-2", -600, 3.0)]
          + [at("bus-1", s, x) for s, x in ((0, 0), (60, 0), (120, .3), (180, .6), (240, .9),
                                            (300, 1.2))]
          + [at("car-1", 0, 1.0)])
    return {"t0": t0, "day": day.strftime("%Y%m%d"), "start_time": gtfs.hms(s0)}


def test_adherence_of_the_line(api, line):
    t0 = line["t0"]
    result = api("/api/transport/lines/R/adherence", start=t0 - 3600 * S, end=t0 + 3600 * S)
    assert [(r["vehicle_id"], r["trip_id"], r["start_date"]) for r in result["runs"]] == [
        ("bus-2", "T0", line["day"]), ("bus-1", "T1", line["day"])]
    assert [[(s["stop_id"], s["delay_s"]) for s in r["stops"]] for r in result["runs"]] == [
        [("B", -40), ("C", -80), ("D", -120)], [("A", 60), ("B", 20)]]
    assert result["runs"][1]["stops"][1]["actual"] == t0 + 260 * S
    # on time from -60 to +300 s: 3 of 5; mean (-40 - 80 - 120 + 60 + 20) / 5
    assert result["passings"] == 5 and result["on_time_pct"] == 60.0
    assert result["mean_delay_s"] == -32.0


def test_headways_at_a_stop(api, line):
    t0 = line["t0"]
    result = api("/api/transport/stops/B/headways", route="R", start=t0 - 3600 * S,
                 end=t0 + 3600 * S)
    assert result["scheduled"] == [t0 - 960 * S, t0 + 240 * S]
    assert result["actual"] == [t0 - 1000 * S, t0 + 260 * S]
    # one headway each: SWT 1200/2, AWT 1260/2
    assert (result["swt_s"], result["awt_s"], result["ewt_s"]) == (600, 630, 30)
    assert result["cv"] == 0


def test_arrivals_at_a_stop(api, line):
    t0 = line["t0"]
    result = api("/api/transport/stops/C/arrivals")
    # 0.8 U to C at U per 200 s, the speed bus 2 went B to C
    assert result["arrivals"] == [{"vehicle_id": "bus-1", "route_id": "R", "trip_id": "T1",
                                   "stop_id": "C", "stop_sequence": 3,
                                   "arrival": t0 + 460 * S, "scheduled": t0 + 480 * S,
                                   "delay_s": -20, "observed_speed": True}]


def test_trip_updates_parse_with_the_official_bindings(client, viewer_headers, line):
    t0 = line["t0"]
    response = client.get("/api/transport/gtfs-rt/trip-updates", headers=viewer_headers)
    assert response.status_code == 200 and response.mimetype == "application/x-protobuf"
    message = gtfs_realtime_pb2.FeedMessage()
    message.ParseFromString(response.data)
    assert message.header.gtfs_realtime_version == "2.0"
    assert message.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    assert [e.id for e in message.entity] == ["T1"]
    update = message.entity[0].trip_update
    assert (update.trip.trip_id, update.trip.route_id, update.trip.direction_id) == ("T1", "R", 0)
    assert (update.trip.start_date, update.trip.start_time) == (line["day"], line["start_time"])
    assert update.trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.SCHEDULED
    assert update.vehicle.id == "bus-1"
    assert update.timestamp == (t0 + 300 * S) // S and update.delay == 20
    # C: 0.8 U at bus 2's U/200 s; D: U more at bus 2's U/200 s
    assert [(u.stop_sequence, u.stop_id, u.arrival.time, u.arrival.delay)
            for u in update.stop_time_update] == [(3, "C", (t0 + 460 * S) // S, -20),
                                                  (4, "D", (t0 + 660 * S) // S, -60)]
    as_json = client.get("/api/transport/gtfs-rt/trip-updates?format=json",
                         headers=viewer_headers).get_json()
    assert as_json["entity"][0]["trip_update"]["stop_time_update"][0]["arrival"] == {
        "time": str((t0 + 460 * S) // S), "delay": -20}


def test_unknown_lines_and_stops(client, viewer_headers, line):
    for path, status in (("/api/transport/lines/nope/adherence", 404),
                         ("/api/transport/stops/nope/headways", 404),
                         ("/api/transport/stops/nope/arrivals", 404),
                         ("/api/transport/stops/B/headways?route=nope", 404),
                         ("/api/transport/stops/B/headways?direction=2", 400),
                         ("/api/transport/lines/R/adherence?start=soon", 400),
                         ("/api/transport/gtfs-rt/trip-updates?format=xml", 400)):
        response = client.get(path, headers=viewer_headers)
        assert response.status_code == status, (path, response.get_json())


def test_the_job_stores_delays_for_the_on_time_kpi_and_tile(app, line):

    t0 = line["t0"]
    with app.app_context():
        assert live.write_delays(app) == {"delay": 5}
        assert live.write_delays(app) == {"delay": 0}  # stored ones are kept, not doubled
        kpi = next(k for k in domain.kpis if k["name"] == "on_time_buses")
        # bus 2: -40, -80, -120 s; bus 1: +60, +20 s; on time -60..+300 s: 3 of 5
        assert kpi["fn"](t0 - 3600 * S, t0 + 3600 * S) == 60.0
        assert kpi["fn"](t0 - 1 * S, t0 + 3600 * S) == 100.0  # bus 1's two
        assert kpi["fn"](t0 + 3600 * S, t0 + 7200 * S) is None
        assert on_time_tile() == {"value": 60, "unit": "%", "status": "warning",
                                  "detail": "of 5 stop passings, last hour"}


def test_every_line_summed_up(api, line):
    t0 = line["t0"]
    result = api("/api/transport/lines/adherence", start=t0 - 3600 * S, end=t0 + 3600 * S)
    assert result["items"] == [{"route_id": "R", "short_name": "R", "long_name": "A to D",
                                "trips": 2, "passings": 5, "mean_delay_s": -32.0,
                                "on_time_pct": 60.0}]
