import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from smartcity.database import utcnow
from smartcity.devices.models import Device
from smartcity.extensions import db


def stored_key_hash(app, device_id):
    with app.app_context():
        return db.session.scalar(select(Device.key_hash).where(Device.id == device_id))


def set_last_seen(app, device_id, seconds_ago):
    with app.app_context():
        db.session.execute(update(Device).where(Device.id == device_id)
                           .values(last_seen=utcnow() - timedelta(seconds=seconds_ago)))
        db.session.commit()


def heartbeat(client, api_key):
    return client.post("/api/devices/heartbeat", headers={"X-API-Key": api_key})


def ids(response):
    return [d["id"] for d in response.get_json()["items"]]


# --- create ----------------------------------------------------------------------------------


def test_create_returns_the_device_and_its_api_key_once(client, admin_headers):
    response = client.post("/api/devices", headers=admin_headers, json={
        "id": "aq-001", "name": "Town hall AQ", "type": "air_quality_station",
        "location": {"lat": 52.37, "lon": 4.89}, "metadata": {"vendor": "acme"}})
    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{40,}", body["api_key"])
    assert body["api_key"].split(".")[0] == body["api_key_prefix"]
    assert (body["domain"], body["status"], body["connectivity"]) == (
        "environment", "active", "offline")
    assert body["metadata"] == {"vendor": "acme"} and body["last_seen"] is None

    shown = client.get("/api/devices/aq-001", headers=admin_headers).get_json()
    listed = client.get("/api/devices", headers=admin_headers).get_json()["items"][0]
    for other in (shown, listed):
        assert "api_key" not in other
        assert body["api_key"].split(".")[1] not in str(other)


def test_only_the_sha256_hex_of_the_api_key_is_stored(app, make_device):
    device = make_device("hashed")
    assert stored_key_hash(app, "hashed") == hashlib.sha256(device["api_key"].encode()).hexdigest()


def test_each_device_gets_a_different_key(make_device):
    assert make_device()["api_key"] != make_device()["api_key"]


def test_operator_may_register_devices(client, headers):
    response = client.post("/api/devices", json={"id": "by-operator", "type": "smart_bin"},
                           headers=headers("operator"))
    assert response.status_code == 201
    assert response.get_json()["domain"] == "waste"


@pytest.mark.parametrize("device_id", ["Upper", "has space", "a/b", "a+b", "a#b", "a" * 65,
                                       "-leading-dash", "", "trailing-newline\n", "é"])
def test_invalid_device_id_is_400_naming_the_id(client, admin_headers, device_id):
    response = client.post("/api/devices", json={"id": device_id, "type": "smart_bin"},
                           headers=admin_headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["details"]["field"]) == ("validation_error", "id")


def test_longest_allowed_device_id_is_64_characters(client, admin_headers):
    response = client.post("/api/devices", json={"id": "a" * 64, "type": "smart_bin"},
                           headers=admin_headers)
    assert response.status_code == 201


def test_duplicate_device_id_is_409(client, admin_headers, make_device):
    make_device("twin")
    response = client.post("/api/devices", json={"id": "twin", "type": "smart_bin"},
                           headers=admin_headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["field"] == "id"


@pytest.mark.parametrize("body,field", [
    ({"id": "d1", "type": "toaster"}, "type"),
    ({"id": "d1"}, "type"),
    ({"id": "d1", "type": "smart_bin", "domain": "space"}, "domain"),
    ({"id": "d1", "type": "smart_bin", "location": {"lat": 91, "lon": 0}}, "location"),
    ({"id": "d1", "type": "smart_bin", "status": "broken"}, "status"),
    ({"id": "d1", "type": "smart_bin", "metadata": []}, "metadata"),
])
def test_invalid_device_fields_are_400_naming_the_field(client, admin_headers, body, field):
    response = client.post("/api/devices", json=body, headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_gateway_id_must_reference_a_gateway_device(client, admin_headers, make_device):
    make_device("gw-1", type="gateway")
    make_device("not-a-gateway", type="smart_bin")
    for gateway_id in ("missing", "not-a-gateway"):
        response = client.post("/api/devices", headers=admin_headers,
                               json={"id": "child", "type": "smart_bin", "gateway_id": gateway_id})
        assert response.status_code == 400
        assert response.get_json()["error"]["details"]["field"] == "gateway_id"
    response = client.post("/api/devices", headers=admin_headers,
                           json={"id": "child", "type": "smart_bin", "gateway_id": "gw-1"})
    assert response.status_code == 201 and response.get_json()["gateway_id"] == "gw-1"


def test_gateway_cannot_be_its_own_gateway(client, admin_headers, make_device):
    make_device("gw-self", type="gateway")
    response = client.patch("/api/devices/gw-self", json={"gateway_id": "gw-self"},
                            headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "gateway_id"


def test_patch_gateway_id_must_reference_a_gateway(client, admin_headers, make_device):
    make_device("plain", type="smart_bin")
    make_device("orphan", type="smart_bin")
    response = client.patch("/api/devices/orphan", json={"gateway_id": "plain"},
                            headers=admin_headers)
    assert response.status_code == 400


# --- list -------------------------------------------------------------------------------------


@pytest.fixture
def fleet(make_device):
    make_device("aq-1", type="air_quality_station", name="Harbour air")
    make_device("aq-2", type="air_quality_station", status="disabled")
    make_device("bin-1", type="smart_bin")
    make_device("meter-1", type="energy_meter", domain="infrastructure")
    return make_device("gw-1", type="gateway")


def test_list_filters_by_type_domain_and_status(client, admin_headers, fleet):
    get = lambda q: ids(client.get(f"/api/devices?{q}", headers=admin_headers))  # noqa: E731
    assert get("type=air_quality_station") == ["aq-1", "aq-2"]
    assert get("domain=infrastructure") == ["gw-1", "meter-1"]
    assert get("status=disabled") == ["aq-2"]
    assert get("type=air_quality_station&status=active") == ["aq-1"]


def test_list_filters_by_text_in_id_or_name(client, admin_headers, fleet):
    assert ids(client.get("/api/devices?q=HARBOUR", headers=admin_headers)) == ["aq-1"]
    assert ids(client.get("/api/devices?q=bin", headers=admin_headers)) == ["bin-1"]


def test_list_filters_by_connectivity(app, client, admin_headers, fleet):
    assert heartbeat(client, fleet["api_key"]).status_code == 200
    online = ids(client.get("/api/devices?connectivity=online", headers=admin_headers))
    offline = ids(client.get("/api/devices?connectivity=offline", headers=admin_headers))
    assert online == ["gw-1"]
    assert offline == ["aq-1", "aq-2", "bin-1", "meter-1"]
    set_last_seen(app, "gw-1", 3600)
    assert ids(client.get("/api/devices?connectivity=online", headers=admin_headers)) == []


def test_list_rejects_unknown_connectivity(client, admin_headers):
    response = client.get("/api/devices?connectivity=sleeping", headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "connectivity"


def test_list_pages_with_keyset_cursor(client, headers, fleet):
    viewer = headers("viewer")
    seen, cursor = [], None
    for _ in range(3):
        query = "/api/devices?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(query, headers=viewer).get_json()
        seen += [d["id"] for d in body["items"]]
        cursor = body["next_cursor"]
    assert cursor is None
    assert seen == ["aq-1", "aq-2", "bin-1", "gw-1", "meter-1"]


def test_cursor_is_stable_when_earlier_devices_are_added(client, admin_headers, fleet,
                                                         make_device):
    first = client.get("/api/devices?limit=2", headers=admin_headers).get_json()
    make_device("aa-new", type="smart_bin")
    second = client.get(f"/api/devices?limit=2&cursor={first['next_cursor']}",
                        headers=admin_headers)
    assert ids(second) == ["bin-1", "gw-1"]


def test_unknown_device_is_404(client, admin_headers):
    response = client.get("/api/devices/ghost", headers=admin_headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --- update and delete -----------------------------------------------------------------------


def test_operator_updates_name_location_and_metadata(client, headers, make_device):
    make_device("editable")
    response = client.patch("/api/devices/editable", headers=headers("operator"), json={
        "name": "Renamed", "location": {"lat": 1.5, "lon": 2.5}, "metadata": {"floor": 2}})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["location"], body["metadata"]) == (
        "Renamed", {"lat": 1.5, "lon": 2.5}, {"floor": 2})


def test_operator_cannot_change_device_status(client, headers, make_device):
    make_device("guarded")
    response = client.patch("/api/devices/guarded", json={"status": "disabled"},
                            headers=headers("operator"))
    assert response.status_code == 403
    assert response.get_json()["error"]["details"]["field"] == "status"


def test_admin_disables_a_device_and_its_heartbeat_is_403(client, admin_headers, make_device):
    device = make_device("to-disable")
    response = client.patch("/api/devices/to-disable", json={"status": "disabled"},
                            headers=admin_headers)
    assert response.status_code == 200 and response.get_json()["status"] == "disabled"
    refused = heartbeat(client, device["api_key"])
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "device_disabled"


def test_device_created_disabled_cannot_heartbeat(client, make_device):
    device = make_device("born-disabled", status="disabled")
    assert heartbeat(client, device["api_key"]).status_code == 403


def test_patch_rejects_unknown_fields_and_the_id(client, admin_headers, make_device):
    make_device("fixed-id")
    response = client.patch("/api/devices/fixed-id", json={"id": "other"}, headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == "id"


def test_delete_is_admin_only(client, headers, admin_headers, make_device):
    device = make_device("doomed")
    assert client.delete("/api/devices/doomed", headers=headers("operator")).status_code == 403
    assert client.delete("/api/devices/doomed", headers=admin_headers).status_code == 204
    assert client.get("/api/devices/doomed", headers=admin_headers).status_code == 404
    assert heartbeat(client, device["api_key"]).status_code == 401


def test_deleting_a_gateway_unlinks_its_devices(client, admin_headers, make_device):
    make_device("gw-gone", type="gateway")
    make_device("child", type="smart_bin", gateway_id="gw-gone")
    assert client.delete("/api/devices/gw-gone", headers=admin_headers).status_code == 204
    assert client.get("/api/devices/child", headers=admin_headers).get_json()["gateway_id"] is None


# --- keys and heartbeat ------------------------------------------------------------------------


def test_rotated_key_replaces_the_old_one_at_once(app, client, headers, make_device):
    device = make_device("rotating")
    assert heartbeat(client, device["api_key"]).status_code == 200
    response = client.post("/api/devices/rotating/rotate-key", headers=headers("operator"))
    assert response.status_code == 200
    new_key = response.get_json()["api_key"]
    assert new_key != device["api_key"]
    assert response.get_json()["api_key_prefix"] == new_key.split(".")[0]
    old = heartbeat(client, device["api_key"])
    assert old.status_code == 401
    assert old.get_json()["error"]["code"] == "invalid_api_key"
    assert heartbeat(client, new_key).status_code == 200
    assert stored_key_hash(app, "rotating") == hashlib.sha256(new_key.encode()).hexdigest()


def test_heartbeat_sets_last_seen_and_online(client, admin_headers, make_device):
    device = make_device("alive")
    response = heartbeat(client, device["api_key"])
    assert response.status_code == 200
    body = response.get_json()
    assert (body["device_id"], body["status"]) == ("alive", "active")
    assert body["connectivity"] == "online"
    shown = client.get("/api/devices/alive", headers=admin_headers).get_json()
    assert shown["connectivity"] == "online"
    assert shown["last_seen"] == body["server_time"]


@pytest.mark.parametrize("api_key", [None, "", "no-dot", "a.b.c", "unknown.secret"])
def test_heartbeat_with_a_missing_or_bad_key_is_401(client, api_key):
    headers = {} if api_key is None else {"X-API-Key": api_key}
    response = client.post("/api/devices/heartbeat", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["details"]["field"] == "X-API-Key"


def test_heartbeat_with_right_prefix_and_wrong_secret_is_401(client, make_device):
    device = make_device()
    forged = device["api_key"].split(".")[0] + ".wrong-secret"
    assert heartbeat(client, forged).status_code == 401


def test_device_goes_offline_after_the_configured_silence(make_app, make_user):
    fast = make_app(DEVICE_OFFLINE_AFTER=30)
    slow = make_app(DEVICE_OFFLINE_AFTER=300)
    client = fast.test_client()
    user, password = make_user("admin")
    token = client.post("/api/auth/login", json={"username": user["username"],
                                                 "password": password}).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/devices", json={"id": "quiet", "type": "smart_bin"}, headers=auth)
    assert heartbeat(client, created.get_json()["api_key"]).status_code == 200
    set_last_seen(fast, "quiet", 60)
    assert client.get("/api/devices/quiet", headers=auth).get_json()["connectivity"] == "offline"
    assert ids(client.get("/api/devices?connectivity=offline", headers=auth)) == ["quiet"]
    other = slow.test_client()
    assert other.get("/api/devices/quiet", headers=auth).get_json()["connectivity"] == "online"
    assert ids(other.get("/api/devices?connectivity=online", headers=auth)) == ["quiet"]


def test_device_changes_are_audited(client, admin_headers, make_device):
    make_device("audited")
    client.post("/api/devices/audited/rotate-key", headers=admin_headers)
    client.delete("/api/devices/audited", headers=admin_headers)
    entries = client.get("/api/audit?target_type=device&target_id=audited",
                         headers=admin_headers).get_json()["items"]
    assert [e["action"] for e in entries] == ["device.deleted", "device.key_rotated",
                                              "device.created"]


def test_search_treats_like_wildcards_literally(client, make_device, admin_headers):
    make_device("bin-1", type="smart_bin")

    def found(q):
        return [d["id"] for d in client.get("/api/devices", query_string={"q": q},
                                            headers=admin_headers).get_json()["items"]]

    assert found("in-") == ["bin-1"]
    assert found("in_") == [] and found("%") == []
