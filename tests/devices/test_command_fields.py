"""Command forms are generated from the catalogue: each parameter with type, range and unit."""

from smartcity.devices.commands_catalogue import describe


def _fields(device_type, name):
    return next(c for c in describe(device_type) if c["name"] == name)["fields"]


def test_a_ranged_parameter_carries_its_bounds_and_unit():
    assert _fields("streetlight", "set_dim_level") == [
        {"name": "level", "type": "float", "required": True, "unit": "%", "min": 0, "max": 100}]


def test_defaults_lists_and_booleans_are_described():
    charge = {f["name"]: f for f in _fields("battery", "charge")}
    assert charge["duration_s"]["default"] == 3600 and charge["duration_s"]["unit"] == "s"
    assert charge["power_kw"]["required"] and charge["power_kw"]["max"] == 10_000
    plan = {f["name"]: f for f in _fields("traffic_signal", "apply_plan")}
    assert plan["greens_s"]["item_type"] == "integer"
    assert (plan["greens_s"]["min"], plan["greens_s"]["max"]) == (5, 180)
    assert (plan["greens_s"]["min_items"], plan["greens_s"]["max_items"]) == (1, 8)
    assert plan["plan_id"]["max_length"] == 64
    assert _fields("streetlight", "set_power_state") == [
        {"name": "on", "type": "boolean", "required": True, "unit": ""}]


def test_the_api_lists_fields_beside_params(client, headers, make_device):
    make_device("lamp-f", type="streetlight")
    items = client.get("/api/devices/lamp-f/commands/catalogue",
                       headers=headers("viewer")).get_json()["items"]
    dim = next(i for i in items if i["name"] == "set_dim_level")
    assert dim["params"] == {"level": "float"} and dim["fields"][0]["max"] == 100


def test_the_configuration_form_is_described_per_type(client, headers, make_device):
    make_device("lamp-c", type="streetlight")
    items = client.get("/api/devices/lamp-c/config/catalogue",
                       headers=headers("viewer")).get_json()["items"]
    assert [i["name"] for i in items] == ["report_interval_s", "dim_level", "power_state"]
    assert (items[1]["min"], items[1]["max"], items[1]["unit"]) == (0, 100, "%")
    make_device("aq-c")
    assert [i["name"] for i in client.get("/api/devices/aq-c/config/catalogue",
                                          headers=headers("viewer")).get_json()["items"]] == [
        "report_interval_s"]
