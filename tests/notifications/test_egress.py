"""Webhook targets: refused when they reach internal addresses, when saved and when sent."""

import socket

import pytest

from smartcity.notifications import webhook
from smartcity.security.egress import EgressRefused, Policy, check_url

NO_ONE = Policy()
LOCAL = Policy.from_setting(["127.0.0.1"])


def resolving_to(*addresses):
    """A resolver answering these addresses for any host."""
    def resolve(host, port, type=0):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]
    return resolve


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://127.8.9.10:8080/", "http://localhost/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[::]/",
    "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://100.64.0.1/",
    "http://0.0.0.0/", "http://224.0.0.1/", "http://[ff02::1]/", "http://[fe80::1]/",
    "http://[fc00::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/",
    "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/",
    "http://0x7f.0.0.1/", "ftp://example.org/", "http:///path",
])
def test_internal_or_disguised_targets_are_refused(url):
    with pytest.raises(EgressRefused):
        check_url(url, NO_ONE)


def test_a_public_address_passes_and_a_name_resolving_to_a_private_one_does_not():
    assert check_url("https://hooks.example.org/x", NO_ONE,
                     resolving_to("93.184.216.34")) == ["93.184.216.34"]
    with pytest.raises(EgressRefused, match="10.0.0.7"):
        check_url("https://hooks.example.org/x", NO_ONE,
                  resolving_to("93.184.216.34", "10.0.0.7"))


def test_the_allow_list_lets_on_premises_receivers_through():
    policy = Policy.from_setting("10.20.0.0/16, hooks.internal ,::1")
    assert check_url("http://10.20.3.4/h", policy) == ["10.20.3.4"]
    assert check_url("http://hooks.internal/h", policy) == []
    assert check_url("http://[::1]:8080/h", policy) == ["::1"]
    with pytest.raises(EgressRefused):
        check_url("http://10.21.0.1/h", policy)


def test_delivery_checks_the_connected_address_so_rebinding_is_refused(receiver):
    # A name that resolved to a public address when saved reaches 127.0.0.1 at delivery.
    url = receiver.url.replace("127.0.0.1", "localhost")
    outcome = webhook.send(url, 1, {"event": "alarm.created"}, None, "now", 5, policy=NO_ONE)
    assert not outcome.ok and not outcome.retry and "refused" in outcome.error
    assert receiver.requests == []


def test_delivery_to_an_allowed_receiver_goes_through(receiver):
    outcome = webhook.send(receiver.url, 1, {"event": "alarm.created"}, None, "now", 5,
                           policy=LOCAL)
    assert outcome.ok and len(receiver.requests) == 1


def test_redirects_are_not_followed(receiver):
    receiver.answer(302, headers={"Location": "http://169.254.169.254/"})
    outcome = webhook.send(receiver.url, 1, {"event": "alarm.created"}, None, "now", 5,
                           policy=LOCAL)
    assert not outcome.ok and outcome.status_code == 302 and not outcome.retry
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://169.254.169.254/",
                                 "http://[::1]/", "http://2130706433/", "http://10.0.0.1/"])
def test_saving_a_rule_with_an_internal_webhook_is_400(app, client, admin_headers, url):
    app.config["WEBHOOK_ALLOWED_TARGETS"] = []  # the suite allows its local receivers
    body = {"name": "r", "kind": "threshold", "scope": {"device_id": "aq-1"}, "key": "pm25",
            "operator": ">", "value": 100, "notify": {"webhook_url": url}}
    response = client.post("/api/alert-rules", json=body, headers=admin_headers)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and error["details"]["field"] == "notify"
    assert "webhook_url" in error["message"]
