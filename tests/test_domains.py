"""The domain list drives the app: which blueprints, rooms, alert events and catalogue it has."""

import pytest

from smartcity import domains
from smartcity.realtime.registry import snapshots


def test_the_catalogue_lists_domains_and_keys_with_units(client, headers):
    body = client.get("/api/catalogue", headers=headers("viewer")).get_json()
    assert set(domains.NAMES) == set(body["domains"])
    types = {t["type"]: t for t in body["device_types"]}
    aq = {k["name"]: k for k in types["air_quality_station"]["keys"]}
    assert types["air_quality_station"]["domain"] == "environment"
    assert aq["pm25"] == {"name": "pm25", "unit": "µg/m³", "derived": False, "min": 0,
                          "max": None, "label": "PM2.5", "kind": "number", "decimals": 1}
    assert aq["aqi"]["period"] == "hourly"
    assert aq["aqi"]["derived"] is True
    assert "aqi" in body["derived_keys"]
    assert {c["name"] for c in types["streetlight"]["commands"]} >= {"ping", "set_dim_level"}


def test_the_catalogue_needs_a_login(client):
    assert client.get("/api/catalogue").status_code == 401


def test_every_installed_domain_is_enabled_by_default(app):
    assert set(domains.enabled(app)) == {n for n, p in domains.INSTALLED.items() if p}
    assert "environment" in snapshots(app)
    assert "environment" in domains.alert_event_domains(app)


def test_the_domains_setting_leaves_a_domain_out(make_app, headers):
    app = make_app(DOMAINS=[])
    client = app.test_client()
    assert domains.enabled(app) == {}
    assert "environment" not in snapshots(app)
    assert "environment" not in app.blueprints
    with app.app_context():
        assert "environment.list_air_quality" not in {r.endpoint for r in app.url_map.iter_rules()}
    assert client.get("/environment").status_code == 404


def test_an_unknown_domain_in_the_setting_is_refused(make_app):
    with pytest.raises(ValueError, match="DOMAINS: unknown domain 'parking'"):
        make_app(DOMAINS=["parking"])
