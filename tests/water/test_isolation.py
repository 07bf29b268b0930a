"""Isolating a DMA: the plan from the stored network, set_position commands through the device
command path, each tracked to its answer."""

from smartcity.devices import commands
from smartcity.devices.service import create_device
from smartcity.extensions import db


def test_isolation_plan(api, dmas, store):
    store([("valve-1", 1_000_000, {"position": 100.0})])
    plan = api("/api/water/dmas/dma-1/isolation-plan")
    assert (plan["dma"], plan["population"], plan["connections"]) == ("dma-1", 10_000, 4000)
    (valve,) = plan["valves"]
    assert (valve["device_id"], valve["role"], valve["position"]) == ("valve-1", "inlet", 100.0)
    assert api("/api/water/dmas/dma-2/isolation-plan")["valves"] == []


def answer(app, device_id, command_id, status):
    """The valve's answer, as the MQTT handler applies it."""
    with app.app_context():
        commands.respond(device_id, command_id, {"status": status})
        db.session.remove()


def test_isolate_tracks_every_valve(app, client, dmas, operator_headers, viewer_headers):
    with app.app_context():
        create_device({"id": "valve-1b", "type": "water_valve", "asset_id": "dma-1",
                       "metadata": {"role": "boundary"}})
        create_device({"id": "valve-1c", "type": "water_valve", "asset_id": "dma-1",
                       "metadata": {"role": "washout"}})  # not an isolating valve
        db.session.commit()
        db.session.remove()
    response = client.post("/api/water/isolate", headers=operator_headers,
                           json={"dma": "dma-1", "reason": "burst on Via Roma"})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["dma"], made["action"], made["status"]) == ("dma-1", "close", "pending")
    sent = {v["device_id"]: v for v in made["valves"]}
    assert set(sent) == {"valve-1", "valve-1b"}
    for valve in sent.values():
        assert valve["command"]["name"] == "set_position"
        assert valve["command"]["params"] == {"position": 0.0}
        assert valve["command"]["status"] in ("queued", "sent")
    answer(app, "valve-1", sent["valve-1"]["command_id"], "succeeded")
    url = f"/api/water/isolations/{made['id']}"
    got = client.get(url, headers=viewer_headers).get_json()
    assert got["status"] == "pending"
    answer(app, "valve-1b", sent["valve-1b"]["command_id"], "succeeded")
    got = client.get(url, headers=viewer_headers).get_json()
    assert got["status"] == "done"
    assert {v["command"]["status"] for v in got["valves"]} == {"succeeded"}
    reopen = client.post("/api/water/isolate", headers=operator_headers,
                         json={"dma": "dma-1", "action": "open"}).get_json()
    answer(app, "valve-1", reopen["valves"][0]["command_id"], "failed")
    listed = client.get("/api/water/isolations", query_string={"dma": "dma-1"},
                        headers=viewer_headers).get_json()["items"]
    assert [(i["action"], i["status"]) for i in listed] == [("open", "failed"), ("close", "done")]
    assert reopen["valves"][0]["command"]["params"] == {"position": 100.0}


def test_isolate_refusals(client, dmas, operator_headers, viewer_headers):
    for body, status, field in (({}, 400, "dma"), ({"dma": "dma-1", "action": "half"}, 400,
                                                    "action"),
                                ({"dma": "dma-9"}, 404, None), ({"dma": "dma-2"}, 409, "dma")):
        response = client.post("/api/water/isolate", json=body, headers=operator_headers)
        assert response.status_code == status, (body, response.get_json())
        if field:
            assert response.get_json()["error"]["details"]["field"] == field
    assert client.post("/api/water/isolate", json={"dma": "dma-1"},
                       headers=viewer_headers).status_code == 403
    assert client.get("/api/water/isolations/99999999999",
                      headers=viewer_headers).status_code == 404
    assert client.get("/api/water/dmas/nope/isolation-plan",
                      headers=viewer_headers).status_code == 404


def test_isolations_are_paged(client, dmas, operator_headers, viewer_headers):
    for _ in range(3):
        client.post("/api/water/isolate", json={"dma": "dma-1"}, headers=operator_headers)
    page = client.get("/api/water/isolations", query_string={"limit": 2},
                      headers=viewer_headers).get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get("/api/water/isolations", headers=viewer_headers,
                      query_string={"limit": 2, "cursor": page["next_cursor"]}).get_json()
    assert len(rest["items"]) == 1
