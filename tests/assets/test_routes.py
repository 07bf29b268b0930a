"""Assets over the API: lists, one asset with its children, and the city map as GeoJSON."""

import pytest

from smartcity.assets.schemas import LAYERS
from smartcity.extensions import db
from smartcity.simulator.seed import seed_city


@pytest.fixture
def seeded(app, tmp_path):
    with app.app_context():
        keys = seed_city(tmp_path / "demo-keys.json")
        db.session.remove()
    return keys


def test_assets_are_listed_by_type_and_parent_page_by_page(client, headers, seeded):
    viewer = headers("viewer")
    page = client.get("/api/assets?type=district&limit=4", headers=viewer).get_json()
    assert len(page["items"]) == 4 and page["next_cursor"]
    rest = client.get(f"/api/assets?type=district&limit=50&cursor={page['next_cursor']}",
                      headers=viewer).get_json()
    ids = [a["id"] for a in page["items"] + rest["items"]]
    assert len(ids) == 9 == len(set(ids)) and rest["next_cursor"] is None
    stops = client.get("/api/assets?parent_id=line-1&type=bus_stop&limit=200",
                       headers=viewer).get_json()["items"]
    assert stops and all(s["parent_id"] == "line-1" for s in stops)
    assert client.get("/api/assets?colour=red", headers=viewer).status_code == 400


def test_an_asset_shows_its_child_assets_and_devices(client, headers, seeded):
    district = client.get("/api/assets/district-5", headers=headers("viewer")).get_json()
    assert district["type"] == "district" and district["geometry"]["type"] == "Polygon"
    assert district["properties"]["population"] > 0 and district["parent_id"] == "city"
    assert district["children"]["assets"] and "gw-1" in district["children"]["devices"]
    segment = next(d for d in seeded["devices"] if d.startswith("cnt-"))
    seg_id = client.get(f"/api/devices/{segment}", headers=headers("viewer")).get_json()[
        "asset_id"]
    seg = client.get(f"/api/assets/{seg_id}", headers=headers("viewer")).get_json()
    assert seg["type"] == "road_segment" and segment in seg["children"]["devices"]
    assert client.get("/api/assets/nowhere", headers=headers("viewer")).status_code == 404


@pytest.mark.parametrize("layer", sorted(set(LAYERS) - {"devices"}))
def test_every_map_layer_is_a_feature_collection_of_its_asset_types(client, headers, seeded,
                                                                    layer):
    body = client.get(f"/api/city/geojson?layer={layer}", headers=headers("viewer")).get_json()
    assert body["type"] == "FeatureCollection" and body["features"]
    for feature in body["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["coordinates"]
        assert feature["properties"]["type"] in LAYERS[layer]


def test_devices_layer_shows_connectivity_and_filters_by_type(client, headers, seeded):
    viewer = headers("viewer")
    key = seeded["devices"]["aq-1"]
    assert client.post("/api/devices/heartbeat", headers={"X-API-Key": key}).status_code == 200
    body = client.get("/api/city/geojson?layer=devices", headers=viewer).get_json()
    assert len(body["features"]) == len(seeded["devices"])
    states = {f["id"]: f["properties"]["connectivity"] for f in body["features"]}
    assert states["aq-1"] == "online" and states["aq-2"] == "offline"
    lights = client.get("/api/city/geojson?layer=devices&type=streetlight",
                        headers=viewer).get_json()["features"]
    assert lights and {f["properties"]["type"] for f in lights} == {"streetlight"}
    assert all(f["geometry"]["type"] == "Point" for f in lights)


def test_junctions_layer_filters_signalised_ones(client, headers, seeded):
    viewer = headers("viewer")
    signalised = client.get("/api/city/geojson?layer=junctions&signalised=true",
                            headers=viewer).get_json()["features"]
    assert len(signalised) == 24 and all(f["properties"]["signalised"] for f in signalised)


def test_unknown_layer_is_a_validation_error(client, headers):
    response = client.get("/api/city/geojson?layer=sewers", headers=headers("viewer"))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "validation_error"
