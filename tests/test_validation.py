"""The schema toolkit: one error shape, one time field, one comma list."""

import pytest
from marshmallow import Schema, fields

from smartcity.errors import ApiError
from smartcity.validation import DeviceIds, Keys, Time, TimeRange, load, load_value


class Probe(TimeRange):
    at = Time()
    keys = Keys()
    device_id = DeviceIds()
    location = fields.Nested(Schema.from_dict({"lat": fields.Float()}))
    values = fields.Dict(keys=fields.String(), values=fields.Float())


def problem(data) -> ApiError:
    with pytest.raises(ApiError) as caught:
        load(Probe(), data)
    return caught.value


def test_times_accept_iso_epoch_ms_and_relative():
    loaded = load(Probe(), {"at": "2026-01-01T00:00:00Z", "start": "1767225600000",
                            "end": "-1h"})
    assert loaded["at"] == loaded["start"] == 1_767_225_600_000
    assert loaded["end"] > loaded["start"]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"at": "yesterday"}, "at", "at: invalid ISO 8601 time"),
    ({"start": "-1h", "end": "-2h"}, "end", "end: must be after start"),
    ({"keys": "pm25,bad key"}, "keys", "keys: invalid value 'bad key'"),
    ({"device_id": "AQ 1"}, "device_id", "device_id: invalid value 'AQ 1'"),
    ({"location": {"lat": "north"}}, "location", "location.lat: Not a valid number."),
    ({"values": {"pm25": "high"}}, "values.pm25", "values.pm25: Not a valid number."),
    ({"colour": "red"}, "colour", "colour: Unknown field."),
])
def test_every_failure_has_one_shape_naming_the_field(data, field, message):
    error = problem(data)
    assert (error.status, error.code, error.message) == (400, "validation_error", message)
    assert error.details["field"] == field and field.split(".")[0] in error.details["fields"]


def test_a_range_defaults_to_the_last_day():
    loaded = load(Probe(), {})
    assert 86_399_000 <= loaded["end"] - loaded["start"] <= 86_401_000


def test_one_parameter_outside_a_schema_fails_the_same_way():
    assert load_value(Keys(), "a, b,,c", "keys") == ["a", "b", "c"]
    with pytest.raises(ApiError) as caught:
        load_value(Keys(), "a,b c", "keys")
    assert caught.value.message == "keys: invalid value 'b c'"
    assert caught.value.details["field"] == "keys"


def test_the_global_handler_answers_the_same_shape(client):
    error = client.post("/api/auth/login", json={"username": 5, "password": "x"}).get_json()
    assert error["error"]["message"].startswith("username: ")
    assert error["error"]["details"]["field"] == "username"
