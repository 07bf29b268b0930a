"""Route optimisation over the small road city (tests/roadkit.py): a depot at A, stops at the
other junctions; 50 km/h streets, so A-B 786 m (57 s), A-D 1112 m (80 s), A-C 1573 m (113 s)."""

import pytest

from tests.roadkit import JUNCTIONS, latlon, road_city  # noqa: F401

URL = "/api/transport/optimization/routes"


def stop(node, **extra):
    return {"id": node, **latlon(node), **extra}


def plan(client, headers, stops, vehicles, **extra):
    body = {"depot": latlon("jn-a"), "stops": stops, "vehicles": vehicles,
            "time_limit_s": 0.5, **extra}
    return client.post(URL, json=body, headers=headers)


def served(result) -> list[str]:
    return sorted(s["id"] for r in result["routes"] for s in r["stops"])


def test_the_tour_beats_the_input_order(client, operator_headers, road_city):  # noqa: F811
    response = plan(client, operator_headers, [stop("jn-c"), stop("jn-d"), stop("jn-b")],
                    [{"id": "bus", "capacity": 10}])
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert served(result) == ["jn-b", "jn-c", "jn-d"]
    # round the block A-B-C-F-E-D-A (4 x 786 + 2 x 1112 m) against A-C-D-B-A in the order given
    assert result["total_distance_km"] == pytest.approx(5.369, abs=0.002)
    assert result["input_order"]["total_distance_km"] == pytest.approx(6.942, abs=0.002)
    assert result["saving_km"] == pytest.approx(6.942 - 5.369, abs=0.003)
    route = result["routes"][0]
    assert route["geometry"]["coordinates"][0] == list(JUNCTIONS["jn-a"])
    assert route["geometry"]["coordinates"][-1] == list(JUNCTIONS["jn-a"])


def test_windows_and_capacities_are_kept(client, operator_headers, road_city):  # noqa: F811
    stops = [stop("jn-b"), stop("jn-c", latest_s=120), stop("jn-d", earliest_s=300,
                                                           latest_s=1000, service_s=30)]
    result = plan(client, operator_headers, stops, [{"id": "bus", "capacity": 10}]).get_json()
    arrivals = [(s["id"], s["arrival_s"]) for s in result["routes"][0]["stops"]]
    # C (113 s away, by B or not) before its window closes at 120 s, so D last
    assert [i for i, _ in arrivals][-1] == "jn-d" and dict(arrivals)["jn-c"] <= 120
    windows = {s["id"]: (s.get("earliest_s", 0), s.get("latest_s", 86_400)) for s in stops}
    assert all(windows[i][0] <= t <= windows[i][1] for i, t in arrivals)

    four = [stop(n, demand=1) for n in ("jn-b", "jn-c", "jn-e", "jn-f")]
    result = plan(client, operator_headers, four,
                  [{"id": "a", "capacity": 2}, {"id": "b", "capacity": 2}]).get_json()
    assert served(result) == ["jn-b", "jn-c", "jn-e", "jn-f"]
    assert [r["load"] for r in result["routes"]] == [2, 2]


def test_infeasible_plans_are_422_and_say_why(client, operator_headers, road_city):  # noqa: F811
    fleet = [{"id": "bus", "capacity": 10}]
    cases = [
        ([stop("jn-c", latest_s=60)], fleet, "stops[0].latest_s"),  # 113 s away
        ([stop("jn-c", demand=11)], fleet, "stops[0].demand"),
        ([stop("jn-b", demand=6), stop("jn-c", demand=6)], fleet, "vehicles"),
        # each reachable alone, not both: A-D 80 s, then D to C 193 s more
        ([stop("jn-c", latest_s=120), stop("jn-d", latest_s=100)], fleet, "stops"),
    ]
    for stops, vehicles, field in cases:
        response = plan(client, operator_headers, stops, vehicles)
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "infeasible" and error["details"]["field"] == field, error
    two = [{"id": "a", "capacity": 10}, {"id": "b", "capacity": 10}]
    assert plan(client, operator_headers, cases[3][0], two).status_code == 200


def test_bad_input_is_400(client, operator_headers, road_city):  # noqa: F811
    for stops, vehicles, field in (
            ([], [{"id": "a", "capacity": 1}], "stops"),
            ([stop("jn-b"), stop("jn-b")], [{"id": "a", "capacity": 1}], "stops"),
            ([stop("jn-b", earliest_s=10, latest_s=5)], [{"id": "a", "capacity": 1}], "stops"),
            ([stop("jn-b")], [{"id": "a", "capacity": 0}], "vehicles")):
        response = plan(client, operator_headers, stops, vehicles)
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["error"]["details"]["field"] == field


def test_no_road_network_is_a_conflict(client, operator_headers):
    response = plan(client, operator_headers, [stop("jn-b")], [{"id": "a", "capacity": 1}])
    assert response.status_code == 409
