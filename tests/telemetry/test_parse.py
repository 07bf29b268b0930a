"""Pure tests of the payload parsers: our JSON readings and SenML (RFC 8428)."""

import pytest

from smartcity.telemetry.parse import PayloadError, json_readings, loads, senml_points
from smartcity.telemetry.points import Point, Rejection, decode_value, encode_value

NOW = 1_700_000_000_000  # 2023-11-14T22:13:20Z
SKEW_MS = 300_000
DEV = "dev1"


def readings(body, device_id=DEV, now=NOW):
    return list(json_readings(device_id, body, SKEW_MS, now=now))


def senml(pack, device_id=DEV, now=NOW):
    return list(senml_points(device_id, pack, SKEW_MS, now=now))


def points_of(results) -> list[Point]:
    assert all(not isinstance(r, Rejection) for _, r in results), results
    return [p for _, points in results for p in points]


def rejections(results) -> dict[int, Rejection]:
    return {i: r for i, r in results if isinstance(r, Rejection)}


def decoded(points) -> dict:
    return {(p.key, p.ts): decode_value(p.value, p.text) for p in points}


# --- our JSON --------------------------------------------------------------------------------


def test_single_reading_with_values():
    points = points_of(readings({"ts": NOW - 1000, "values": {"pm25": 12.5, "pm10": 20}}))
    assert sorted(points) == sorted([Point(DEV, "pm25", NOW - 1000, 12.5, None),
                                     Point(DEV, "pm10", NOW - 1000, 20.0, None)])


def test_array_of_readings_keeps_indexes():
    results = readings([{"ts": NOW - 2000, "values": {"t": 1}},
                        {"ts": NOW - 1000, "values": {"t": 2}}])
    assert [i for i, _ in results] == [0, 1]
    assert decoded(points_of(results)) == {("t", NOW - 2000): 1, ("t", NOW - 1000): 2}


def test_plain_object_of_values_thingsboard_style():
    points = points_of(readings({"ts": NOW, "temperature": 21.5, "humidity": 40}))
    assert decoded(points) == {("temperature", NOW): 21.5, ("humidity", NOW): 40}


@pytest.mark.parametrize("ts, expected", [
    (NOW - 60_000, NOW - 60_000),
    ("2023-11-14T22:12:20Z", NOW - 60_000),
    ("2023-11-14T23:12:20+01:00", NOW - 60_000),
    ("2023-11-14T22:12:20.250Z", NOW - 59_750),
    (str(NOW - 5), NOW - 5),
    ("-1h", NOW - 3_600_000),
])
def test_timestamp_forms(ts, expected):
    [point] = points_of(readings({"ts": ts, "values": {"t": 1}}))
    assert point.ts == expected


def test_missing_timestamp_is_now():
    [point] = points_of(readings({"values": {"t": 1}}))
    assert point.ts == NOW
    [point] = points_of(readings({"t": 1}))
    assert point.ts == NOW


def test_future_beyond_skew_is_rejected_per_item():
    results = readings([{"ts": NOW + SKEW_MS, "values": {"t": 1}},
                        {"ts": NOW + SKEW_MS + 1, "values": {"t": 2}},
                        {"ts": NOW, "values": {"t": 3}}])
    rejected = rejections(results)
    assert list(rejected) == [1]
    assert (rejected[1].code, rejected[1].field) == ("future_timestamp", "ts")
    assert rejected[1].as_item(1) == {"index": 1, "error": {
        "code": "future_timestamp", "message": rejected[1].message, "field": "ts"}}
    assert [p.ts for _, ps in results if not isinstance(ps, Rejection) for p in ps] == [
        NOW + SKEW_MS, NOW]


@pytest.mark.parametrize("ts", ["yesterday", "2023-13-01T00:00:00Z", True, [1], -5])
def test_invalid_timestamp_is_rejected(ts):
    [(index, rejection)] = readings({"ts": ts, "values": {"t": 1}})
    assert isinstance(rejection, Rejection)
    assert (index, rejection.code, rejection.field) == (0, "invalid_timestamp", "ts")


@pytest.mark.parametrize("key", ["", "a b", "ü", "x" * 65, "a/b", "a:b", "$sys", "pm25\n"])
def test_key_must_match_the_pattern(key):
    [(_, rejection)] = readings({"ts": NOW, "values": {key: 1}})
    assert isinstance(rejection, Rejection)
    assert (rejection.code, rejection.field) == ("invalid_key", f"values.{key}")


def test_key_pattern_accepts_dots_dashes_underscores():
    points = points_of(readings({"values": {"a.b-c_D9": 1, "x" * 64: 2}}))
    assert {p.key for p in points} == {"a.b-c_D9", "x" * 64}


@pytest.mark.parametrize("value, code", [
    ({"nested": 1}, "invalid_value"), ([1, 2], "invalid_value"), (None, "invalid_value"),
    ("x" * 1025, "invalid_value"),
])
def test_values_that_are_not_scalars_are_rejected(value, code):
    results = readings([{"ts": NOW, "values": {"good": 1, "bad": value}},
                        {"ts": NOW, "values": {"good": 2}}])
    rejected = rejections(results)
    assert list(rejected) == [0]
    assert (rejected[0].code, rejected[0].field) == (code, "values.bad")


def test_non_finite_values_are_refused():
    with pytest.raises(PayloadError) as err:
        loads(b'{"values": {"t": Infinity}}')
    assert err.value.code == "invalid_json"
    for number in (float("inf"), float("nan")):
        with pytest.raises(Rejection) as rejected:
            encode_value("t", number, "values.t")
        assert (rejected.value.code, rejected.value.field) == ("invalid_value", "values.t")


@pytest.mark.parametrize("value", [1.7e308, -1.7e308, 1e15 * 1.0000001, -2e15, 10**16])
def test_values_beyond_the_magnitude_bound_are_refused_naming_the_field(value):
    # Two 1.7e308 in one minute overflowed the rollup sum and failed everyone's group commit.
    results = readings([{"ts": NOW, "values": {"t": 1, "big": value}},
                        {"ts": NOW + 1, "values": {"big": 1e15, "small": -1e15, "t": 0.5}}])
    rejected = rejections(results)
    assert list(rejected) == [0]
    assert (rejected[0].code, rejected[0].field) == ("value_out_of_range", "values.big")
    assert len(points_of([results[1]])) == 3


@pytest.mark.parametrize("record, field", [({"n": "t", "v": 1.7e308}, "v"),
                                           ({"n": "t", "s": -2e15}, "s"),
                                           ({"bv": 9e14, "n": "t", "v": 2e14}, "v")])
def test_senml_values_beyond_the_bound_are_refused_naming_the_field(record, field):
    results = senml([record, {"n": "ok", "v": 1e14}])
    rejected = rejections(results)
    assert list(rejected) == [0]
    assert (rejected[0].code, rejected[0].field) == ("value_out_of_range", field)


@pytest.mark.parametrize("item, code, field", [
    ([1, 2], "invalid_item", None),
    ("reading", "invalid_item", None),
    ({"values": [1]}, "invalid_values", "values"),
    ({"values": {}}, "empty_values", "values"),
    ({"ts": NOW}, "empty_values", "values"),
    ({"values": {"t": 1}, "unit": "C"}, "unknown_field", "unit"),
])
def test_malformed_items(item, code, field):
    [(_, rejection)] = readings([item])
    assert isinstance(rejection, Rejection)
    assert (rejection.code, rejection.field) == (code, field)


def test_empty_array_is_a_payload_error():
    with pytest.raises(PayloadError) as err:
        readings([])
    assert err.value.code == "empty_payload"


def test_malformed_json_is_a_payload_error():
    with pytest.raises(PayloadError) as err:
        loads(b'{"values": ')
    assert (err.value.code, err.value.status) == ("invalid_json", 400)


@pytest.mark.parametrize("value", [True, False, "on", "", "tr\u00fce", 0, -1.5, 1e15, -1e15,
                                   1e-300, 7])
def test_values_round_trip(value):
    [point] = points_of(readings({"ts": NOW, "values": {"k": value}}))
    back = decode_value(point.value, point.text)
    assert back == value and type(back) is (float if type(value) is int else type(value))


def test_booleans_are_stored_as_numbers_and_text():
    assert encode_value("k", True, "f") == (1.0, "true")
    assert encode_value("k", False, "f") == (0.0, "false")
    assert encode_value("k", "true", "f") == (None, "true")
    assert decode_value(None, "true") == "true"  # a string stays a string
    assert decode_value(1.0, "true") is True


# --- SenML (RFC 8428 section 5.1, with bn naming our device) ---------------------------------


def test_rfc_5_1_1_single_datapoint():
    points = points_of(senml([{"n": "dev1:temp", "u": "Cel", "v": 23.1}]))
    assert points == [Point(DEV, "temp", NOW, 23.1, None)]


def test_rfc_5_1_2_multiple_datapoints():
    points = points_of(senml([{"bn": "dev1:", "n": "voltage", "u": "V", "v": 120.1},
                              {"n": "current", "u": "A", "v": 1.2}]))
    assert points == [Point(DEV, "voltage", NOW, 120.1, None),
                      Point(DEV, "current", NOW, 1.2, None)]


RFC_5_1_3 = [
    {"bn": "dev1:", "bt": 1.276020076001e09, "bu": "A", "bver": 5, "n": "voltage", "u": "V",
     "v": 120.1},
    {"n": "current", "t": -5, "v": 1.2},
    {"n": "current", "t": -4, "v": 1.3},
    {"n": "current", "t": -3, "v": 1.4},
    {"n": "current", "t": -2, "v": 1.5},
    {"n": "current", "t": -1, "v": 1.6},
    {"n": "current", "v": 1.7},
]

RFC_5_1_4_RESOLVED = [
    {"n": "dev1:voltage", "u": "V", "v": 120.1, "t": 1.276020076001e09},
    {"n": "dev1:current", "u": "A", "v": 1.2, "t": 1.276020071001e09},
    {"n": "dev1:current", "u": "A", "v": 1.3, "t": 1.276020072001e09},
    {"n": "dev1:current", "u": "A", "v": 1.4, "t": 1.276020073001e09},
    {"n": "dev1:current", "u": "A", "v": 1.5, "t": 1.276020074001e09},
    {"n": "dev1:current", "u": "A", "v": 1.6, "t": 1.276020075001e09},
    {"n": "dev1:current", "u": "A", "v": 1.7, "t": 1.276020076001e09},
]


def test_rfc_5_1_3_multiple_measurements_with_base_time_and_relative_t():
    points = points_of(senml(RFC_5_1_3))
    base = 1_276_020_076_001
    assert decoded(points) == {
        ("voltage", base): 120.1, ("current", base - 5000): 1.2,
        ("current", base - 4000): 1.3, ("current", base - 3000): 1.4,
        ("current", base - 2000): 1.5, ("current", base - 1000): 1.6, ("current", base): 1.7}


def test_rfc_5_1_4_resolved_data_equals_the_base_form():
    assert points_of(senml(RFC_5_1_4_RESOLVED)) == points_of(senml(RFC_5_1_3))


def test_rfc_5_1_5_multiple_data_types():
    points = points_of(senml([{"bn": "dev1:", "n": "temp", "u": "Cel", "v": 23.1},
                              {"n": "label", "vs": "Machine Room"},
                              {"n": "open", "vb": False},
                              {"n": "nfc-reader", "vd": "aGkgCg"}]))
    assert decoded(points) == {("temp", NOW): 23.1, ("label", NOW): "Machine Room",
                               ("open", NOW): False, ("nfc-reader", NOW): "aGkgCg"}
    assert decoded(points)[("open", NOW)] is False


@pytest.mark.parametrize("bn", ["dev1", "dev1:"])
def test_bn_naming_the_device_with_or_without_colon_is_stripped(bn):
    assert points_of(senml([{"bn": bn, "n": "temp", "v": 1}])) == [Point(DEV, "temp", NOW, 1.0,
                                                                        None)]


def test_base_value_and_base_sum():
    points = points_of(senml([{"bn": "dev1:", "bv": 100, "n": "a", "v": 1.5},
                              {"n": "b", "v": -2},
                              {"bs": 1000, "n": "energy", "s": 5},
                              {"n": "label", "vs": "x"}]))
    assert decoded(points) == {("a", NOW): 101.5, ("b", NOW): 98.0, ("energy", NOW): 1005.0,
                               ("label", NOW): "x"}


def test_times_below_2_pow_28_are_relative_to_now():
    points = points_of(senml([{"bn": "dev1:", "n": "a", "v": 1, "t": -60},
                              {"n": "b", "v": 2, "t": -0.5},
                              {"bt": -120, "n": "c", "v": 3, "t": 30},
                              {"n": "d", "v": 4}]))
    assert decoded(points) == {("a", NOW - 60_000): 1, ("b", NOW - 500): 2,
                               ("c", NOW - 90_000): 3, ("d", NOW - 120_000): 4}


def test_absolute_times_at_and_above_2_pow_28():
    [point] = points_of(senml([{"n": "dev1:a", "v": 1, "t": 2**28}]))
    assert point.ts == 2**28 * 1000


def test_future_senml_time_is_rejected_on_t():
    results = senml([{"bn": "dev1:", "n": "a", "v": 1, "t": (NOW + SKEW_MS) / 1000 + 1},
                     {"n": "b", "v": 2, "t": SKEW_MS / 1000}])
    rejected = rejections(results)
    assert list(rejected) == [0]
    assert (rejected[0].code, rejected[0].field) == ("future_timestamp", "t")


def test_bn_for_another_device_is_rejected():
    results = senml([{"bn": "dev2:", "n": "temp", "v": 1},
                     {"n": "hum", "v": 2},
                     {"bn": "dev1:", "n": "temp", "v": 3}])
    rejected = rejections(results)
    assert set(rejected) == {0, 1}  # record 1 inherits dev2 as its base name
    assert {(r.code, r.field) for r in rejected.values()} == {("wrong_device", "bn")}
    assert decoded(p for _, ps in results if not isinstance(ps, Rejection) for p in ps) == {
        ("temp", NOW): 3}


def test_prefix_of_the_device_id_is_not_the_device():
    [(_, rejection)] = senml([{"bn": "dev1x:", "n": "temp", "v": 1}])
    assert isinstance(rejection, Rejection) and rejection.code == "wrong_device"


def test_must_understand_field_is_rejected():
    results = senml([{"bn": "dev1:", "n": "a", "v": 1},
                     {"n": "b", "v": 2, "foo_": 1},
                     {"n": "c", "v": 3, "unknown": "ignored"}])
    rejected = rejections(results)
    assert list(rejected) == [1]
    assert (rejected[1].code, rejected[1].field) == ("unsupported_field", "foo_")
    assert {p.key for _, ps in results if not isinstance(ps, Rejection) for p in ps} == {"a", "c"}


@pytest.mark.parametrize("bver, ok", [(5, True), (10, True), (11, False), ("10", False)])
def test_bver(bver, ok):
    [(_, result)] = senml([{"bn": "dev1:", "bver": bver, "n": "a", "v": 1}])
    if ok:
        assert not isinstance(result, Rejection)
    else:
        assert (result.code, result.field) == ("unsupported_version", "bver")


def test_record_with_two_value_fields_is_rejected():
    results = senml([{"n": "dev1:a", "v": 1, "vs": "one"}, {"n": "dev1:b", "v": 2}])
    rejected = rejections(results)
    assert list(rejected) == [0]
    assert (rejected[0].code, rejected[0].field) == ("invalid_record", "vs")


def test_record_without_value_or_sum_is_rejected():
    results = senml([{"bn": "dev1:", "n": "a", "u": "Cel"}, {"n": "b", "v": 2}])
    rejected = rejections(results)
    assert list(rejected) == [0]
    assert rejected[0].code == "no_value"


@pytest.mark.parametrize("record, code, field", [
    ({"n": "dev1:a", "v": "1"}, "invalid_record", "v"),
    ({"n": "dev1:a", "v": True}, "invalid_record", "v"),
    ({"n": "dev1:a", "vb": 1}, "invalid_record", "vb"),
    ({"n": "dev1:a", "vs": 1}, "invalid_record", "vs"),
    ({"n": "dev1:a", "v": 1, "t": "now"}, "invalid_record", "t"),
    ({"n": 5, "v": 1}, "invalid_record", "n"),
    ({"bn": 5, "n": "a", "v": 1}, "invalid_record", "bn"),
    ({"bt": "x", "n": "dev1:a", "v": 1}, "invalid_record", "bt"),
    ({"bn": "dev1:", "v": 1}, "invalid_key", "n"),
    ({"n": "other:a", "v": 1}, "invalid_key", "n"),
    ("record", "invalid_record", None),
])
def test_invalid_records(record, code, field):
    [(_, rejection)] = senml([record])
    assert isinstance(rejection, Rejection)
    assert (rejection.code, rejection.field) == (code, field)


def test_invalid_record_does_not_stop_the_others():
    results = senml([{"bn": "dev1:", "n": "a", "v": 1},
                     {"n": "b"},
                     {"n": "c", "v": 1, "vb": True},
                     {"n": "d", "vb": True},
                     7,
                     {"n": "e", "v": 5, "t": -1}])
    assert [i for i, _ in results] == [0, 1, 2, 3, 4, 5]
    assert set(rejections(results)) == {1, 2, 4}
    assert decoded(p for _, ps in results if not isinstance(ps, Rejection) for p in ps) == {
        ("a", NOW): 1, ("d", NOW): True, ("e", NOW - 1000): 5}
    assert rejections(results)[2].as_item(2) == {"index": 2, "error": {
        "code": "invalid_record", "message": "only one of v, vs, vb, vd allowed", "field": "vb"}}


@pytest.mark.parametrize("pack", [[], {"n": "a", "v": 1}, "x"])
def test_pack_must_be_a_non_empty_array(pack):
    with pytest.raises(PayloadError) as err:
        senml(pack)
    assert err.value.code == "invalid_senml"
