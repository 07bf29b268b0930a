"""The real-time runner: schedules, failure modes and command handling, with a recording
transport instead of a network."""

import queue
import time
from collections import Counter

import orjson

from smartcity.simulator.failures import Failures
from smartcity.simulator.fleet import Fleet
from smartcity.simulator.runner import LiveOptions, Runner
from tests.simulator.test_signals import at


class Recorder:
    """A transport that keeps what would have gone over the wire."""

    gateways, polls = True, False

    def __init__(self):
        self.stats, self.sent, self.calls = Counter(), [], []

    def send(self, device_id, body, content_type="application/json"):
        self.sent.append((device_id, body))

    def send_gateway(self, gateway_id, items):
        self.calls.append(("gateway", gateway_id, items))

    def heartbeat(self, device_id):
        self.calls.append(("heartbeat", device_id))

    def drop(self, device_id):
        self.calls.append(("drop", device_id))

    def restore(self, device_id):
        self.calls.append(("restore", device_id))

    def respond(self, device_id, command_id, body):
        self.calls.append(("respond", device_id, command_id, body))

    def report(self, device_id, attributes):
        self.calls.append(("report", device_id, attributes))

    def poll(self, device_id, want_config, inbox):
        pass

    def readings(self, device_id=None):
        return [orjson.loads(b) for d, b in self.sent if device_id in (None, d)]


def runner(city, ids, **failures):
    fleet = Fleet(42, city=city, ids=ids)
    options = LiveOptions(stats_every=0, quiet=True, failures=Failures(**failures))
    return Runner(fleet, Recorder(), options, at(1, 22.0), inbox=queue.Queue())


def test_the_loop_sends_every_device_at_its_rate_for_the_duration(city):
    fleet = Fleet(42, city=city, count=30)
    transport = Recorder()
    options = LiveOptions(rate=60, duration=1.5, stats_every=0, quiet=True, poll_s=0)
    started = time.monotonic()
    Runner(fleet, transport, options, at(1, 9.0)).run()
    assert 1.4 < time.monotonic() - started < 3
    senders = Counter(d for d, _ in transport.sent)
    gateway_items = sum(len(c[2]) for c in transport.calls if c[0] == "gateway")
    assert 50 <= len(transport.sent) + gateway_items <= 110
    assert len(senders) >= 25
    stamps = [r["ts"] for r in transport.readings("aq-1")]
    assert stamps == sorted(stamps) and stamps[0] >= at(1, 9.0) * 1000


def test_gateway_children_go_out_in_the_gateways_batches(city):
    r = runner(city, {"gw-1", "noise-1", "noise-2"})
    for device in ("noise-1", "noise-2", "gw-1"):
        r.emit(device, time.monotonic())
    (kind, gateway, items), = r.transport.calls
    assert kind == "gateway" and gateway == "gw-1"
    assert {i["device_id"] for i in items} == {"noise-1", "noise-2"}
    assert set(items[0]["values"]) == {"laeq", "lamax"}
    assert r.transport.sent == []


def test_duplicates_and_malformed_payloads_are_sent_on_request(city):
    r = runner(city, {"aq-1"}, duplicate_rate=1.0)
    r.emit("aq-1", r.wall0)
    first, second = r.transport.sent
    assert first == second
    r = runner(city, {"aq-1"}, malformed_rate=1.0)
    for k in range(20):
        r.emit("aq-1", r.wall0 + k)
    bad = 0
    for _device, body in r.transport.sent:
        try:
            parsed = orjson.loads(body)
            bad += not (isinstance(parsed, dict) and isinstance(parsed.get("ts"), int)
                        and parsed["ts"] < r.sim_time(r.wall0 + 30) * 1000
                        and all(k.isidentifier() for k in parsed.get("values", {})))
        except orjson.JSONDecodeError:
            bad += 1
    assert bad == 20 and r.transport.stats["malformed"] == 20


def test_out_of_order_readings_arrive_after_the_next_one(city):
    r = runner(city, {"cnt-1"}, reorder_rate=1.0)
    for k in range(4):
        r.emit("cnt-1", r.wall0 + 60 * k)
    stamps = [reading["ts"] for reading in r.transport.readings()]
    in_order = sorted(stamps)
    assert stamps == [in_order[1], in_order[0], in_order[3], in_order[2]]


def test_a_dropped_device_goes_offline_then_flushes_what_it_buffered(city):
    r = runner(city, {"cnt-2"}, drop_rate=1e6)
    r.emit("cnt-2", r.wall0)
    assert ("drop", "cnt-2") in r.transport.calls and r.transport.sent == []
    r.options.failures.drop_rate = 0
    for k in range(1, 4):
        r.emit("cnt-2", r.wall0 + k)
    r.tick(r.links["cnt-2"].offline_until + 0.1)
    assert ("restore", "cnt-2") in r.transport.calls
    (flushed,) = r.transport.readings("cnt-2")
    assert isinstance(flushed, list) and len(flushed) == 4  # one burst, oldest first
    assert [x["ts"] for x in flushed] == sorted(x["ts"] for x in flushed)


def test_commands_are_obeyed_answered_and_shown_in_the_next_reading(city):
    r = runner(city, {"light-1"})
    r.emit("light-1", r.wall0)
    r.inbox.put(("light-1", "command", {"id": "c1", "name": "set_dim_level",
                                        "params": {"level": 30}}))
    r.inbox.put(("light-1", "command", {"id": "c2", "name": "open_sesame", "params": {}}))
    r.inbox.put(("light-1", "config", {"version": 3, "config": {"report_interval_s": 60}}))
    r.inbox.put(("light-1", "config", {"version": 2, "config": {"dim_level": 99}}))  # stale
    r.handle_inbox()
    answers = {c[2]: c[3] for c in r.transport.calls if c[0] == "respond"}
    assert answers["c1"] == {"status": "succeeded", "result": {"dim_level": 30.0}}
    assert answers["c2"]["status"] == "failed"
    assert ("report", "light-1", {"report_interval_s": 60}) in r.transport.calls
    readings = r.transport.readings("light-1")
    assert readings[0]["values"]["dim_level"] == 100 and readings[-1]["values"]["dim_level"] == 30


def test_events_handed_to_a_running_simulator_are_picked_up(city, tmp_path):
    r = runner(city, {"wm-1"})
    r.options.control_file = tmp_path / "simulator-control"
    r.options.control_file.write_text("leak:dma-1+2h\nflood\n")
    r.tick(r.wall0)
    (event,) = r.fleet.world.events
    assert event.kind == "leak" and event.target == "dma-1"
    assert event.end - event.start == 7200
    assert not r.options.control_file.exists()
