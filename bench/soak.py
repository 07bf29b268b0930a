#!/usr/bin/env python
"""Soak: steady mixed load on the real server for 10 minutes (`--duration`), then the books.

Setup (all throwaway): a database (`--backend postgresql|sqlite`, _common.ThrowawayDatabase),
our own Mosquitto from the shipped mosquitto.conf with the platform's dynamic-security file
(tests/broker.py), and the production server: gunicorn with gunicorn.conf.py, one worker
(`--workers`), consuming MQTT itself, Socket.IO in threading mode.

Load, paced (open loop: each stream sends at its rate whatever the answers take):
  - HTTP single readings: POST /api/telemetry with X-API-Key, 3 values (`--http-rate`/s);
  - HTTP batches: POST /api/telemetry/batch, `--batch-items` readings of 1 value
    (`--batch-rate`/s, admin token);
  - MQTT: QoS 1 readings of 2 values on devices/<id>/telemetry (`--mqtt-rate`/s);
  - reads: the device list, a device's last hour and its latest values in turn (`--read-rate`/s);
  - one Socket.IO client (`--ws-clients`) over WebSocket joined to every MQTT device's room,
    counting the telemetry it is pushed.
Sampled every 10 s: the worker's RSS. At the end (after the load stops and MQTT drains):
rows stored per stream against readings accepted (HTTP 201 answers, MQTT PUBACKs).

One JSON document on stdout, progress on stderr:

    .venv/bin/python bench/soak.py                       # PostgreSQL, 10 minutes
    .venv/bin/python bench/soak.py --backend sqlite --duration 30    # smoke run
"""

import argparse
import json
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (  # noqa: E402
    CpuMeter,
    RawClient,
    Server,
    ThrowawayDatabase,
    admin_token,
    bench_app,
    create_devices,
    load_report,
    log,
    machine_info,
    migrate_database,
    percentiles,
)
from realtime import Broker  # noqa: E402 - our own Mosquitto, the shipped config, logins

from tests.broker import ADMIN, PLATFORM, TESTER  # noqa: E402

PG_DB = "smartcity_bench_soak"
HTTP_DEVICES, MQTT_DEVICES, BATCH_DEVICES = 20, 20, 20


class Stream:
    """Tallies of one load stream."""

    def __init__(self, name: str):
        self.name = name
        self.lock = threading.Lock()
        self.sent = self.ok = self.accepted_points = 0
        self.status: dict[str, int] = {}
        self.exceptions: list[str] = []
        self.latencies: list[float] = []

    def record(self, status, latency: float | None, points: int = 0) -> None:
        """status: the HTTP status, "puback" for an acknowledged MQTT message, else an error."""
        with self.lock:
            self.sent += 1
            key = str(status)
            self.status[key] = self.status.get(key, 0) + 1
            if status == "puback" or (isinstance(status, int) and 200 <= status < 300):
                self.ok += 1
                self.accepted_points += points
            if latency is not None:
                self.latencies.append(latency)

    def report(self, seconds: float, ok_at_start: int) -> dict:
        """Totals include the warm-up; ok_per_s is over the measured seconds only."""
        errors = sum(v for k, v in self.status.items()
                     if not (k.startswith("2") or k == "puback"))
        return {"sent": self.sent, "ok": self.ok, "errors": errors, "status": self.status,
                "exceptions": len(self.exceptions), "exception_samples": self.exceptions[:3],
                "ok_per_s": round((self.ok - ok_at_start) / seconds, 1),
                "accepted_points": self.accepted_points,
                "latency": percentiles(self.latencies)}


def paced(rate: float, stop: threading.Event, action) -> None:
    """Call action(n) at `rate` per second until stop; late calls are not bunched up."""
    interval, due, n = 1.0 / rate, time.monotonic(), 0
    while not stop.is_set():
        action(n)
        n += 1
        due += interval
        delay = due - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        else:
            due = time.monotonic()  # behind: carry on at the rate from now


def http_request(client: RawClient, stream: Stream, raw: bytes, count_points: bool) -> None:
    started = time.perf_counter()
    try:
        status, body = client.request(raw)
    except Exception as exc:  # noqa: BLE001 - tallied, the load goes on
        client.close()
        with stream.lock:
            stream.exceptions.append(repr(exc))
        stream.record("exception", None)
        return
    latency = time.perf_counter() - started
    points = orjson.loads(body)["points"] if count_points and status == 201 else 0
    stream.record(status, latency, points)


def post(port: int, path: str, headers: dict, body: bytes) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body


def get(port: int, path: str, token: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\n\r\n").encode()


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


def count_rows(url: str, prefix: str) -> int:
    from sqlalchemy import text

    from smartcity.database import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT COUNT(*) FROM telemetry WHERE device_id LIKE :p"),
                               {"p": f"{prefix}%"})
    finally:
        engine.dispose()


def websocket_client(url: str, token: str, rooms: list[str], stats: dict, stop) -> None:
    import socketio

    from smartcity import jsoncodec

    client = socketio.Client(reconnection=True, json=jsoncodec)

    @client.on("telemetry")
    def on_telemetry(items):
        stats["events"] += 1
        stats["items"] += len(items)

    @client.event
    def disconnect(*_):
        stats["disconnects"] += 1

    try:
        client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
        for room in rooms:
            answer = client.call("join_room", {"room": room}, timeout=30)
            if not (answer or {}).get("ok"):
                stats["errors"].append(f"join_room {room}: {answer}")
        stats["connected"] = True
        stop.wait()
    except Exception as exc:  # noqa: BLE001 - reported
        stats["errors"].append(repr(exc))
    finally:
        client.disconnect()


def run(args) -> dict:
    import paho.mqtt.client as mqtt

    out: dict = {"benchmark": "soak", "backend": args.backend, "machine": machine_info(),
                 "load_before": load_report(),
                 "rates_per_s": {"http_single": args.http_rate, "http_batch": args.batch_rate,
                                 "batch_items": args.batch_items, "mqtt": args.mqtt_rate,
                                 "reads": args.read_rate, "ws_clients": args.ws_clients},
                 "duration_s": args.duration, "workers": args.workers}
    with ThrowawayDatabase(args.backend, PG_DB, args.keep) as tdb, Broker() as broker:
        migrate_database(tdb.url)
        app = bench_app(tdb.url)
        http_keys = create_devices(app, [{"id": f"soak-h{i:02d}", "type": "weather_station"}
                                         for i in range(HTTP_DEVICES)])
        create_devices(app, [{"id": f"soak-m{i:02d}", "type": "weather_station"}
                             for i in range(MQTT_DEVICES)])
        create_devices(app, [{"id": f"soak-b{i:02d}", "type": "weather_station"}
                             for i in range(BATCH_DEVICES)])
        token = admin_token(app)
        env = {"MQTT_URL": (f"mqtt://{PLATFORM[0]}:{quote(PLATFORM[1])}@127.0.0.1:"
                            f"{broker.port}"),
               "MQTT_ADMIN_USERNAME": ADMIN[0], "MQTT_ADMIN_PASSWORD": ADMIN[1],
               "MQTT_CLIENT_ID": f"soak-{uuid.uuid4().hex[:8]}"}
        with Server(tdb.url, args.workers, tdb.tmpdir, env) as server:
            deadline = time.monotonic() + 60
            while b"MQTT connected" not in Path(tdb.tmpdir, "server.log").read_bytes():
                if time.monotonic() > deadline:
                    raise RuntimeError("the server's MQTT consumer did not start:\n"
                                       + server.log_tail())
                time.sleep(0.2)
            out["server"] = {"kind": server.kind, "command": " ".join(server.command[1:])}
            out.update(drive(args, server, tdb, http_keys, token, broker, mqtt))
        out["server_log_errors"] = sum(
            1 for line in Path(tdb.tmpdir, "server.log").read_text(errors="replace").splitlines()
            if '"level": "ERROR"' in line or "Traceback" in line or " 500 " in line)
    out["load_after"] = load_report()
    return out


def drive(args, server: Server, tdb, http_keys: dict, token: str, broker, mqtt) -> dict:
    port, stop = server.port, threading.Event()
    now = int(time.time() * 1000)
    base = now - 2 * 3_600_000  # every stream's ts: unique per (device, key), in the past
    streams = {name: Stream(name) for name in ("http_single", "http_batch", "mqtt", "reads")}
    threads: list[threading.Thread] = []

    # HTTP single readings: 4 connections, each with its own devices
    devices = sorted(http_keys.items())
    per_conn = 4

    def single_sender(k: int):
        client = RawClient(port)
        mine = devices[k::per_conn]
        heads = [{"X-API-Key": key} for _d, key in mine]

        def action(n):
            body = orjson.dumps({"ts": base + n, "values": {"t": n % 40, "h": n % 100,
                                                            "p": 1000 + n % 30}})
            http_request(client, streams["http_single"],
                         post(port, "/api/telemetry", heads[n % len(mine)], body), True)

        # n increases per call; ts = base + n stays unique per device (n differs per call)
        paced(args.http_rate / per_conn, stop, action)
        client.close()

    for k in range(per_conn):
        threads.append(threading.Thread(target=single_sender, args=(k,), daemon=True))

    def batch_sender():
        client = RawClient(port)
        counter = [0]

        def action(_n):
            items = []
            for _ in range(args.batch_items):
                i = counter[0]
                counter[0] += 1
                items.append({"device_id": f"soak-b{i % BATCH_DEVICES:02d}", "ts": base + i,
                              "values": {"v": i % 1000}})
            http_request(client, streams["http_batch"],
                         post(port, "/api/telemetry/batch", {"Authorization": f"Bearer {token}"},
                              orjson.dumps(items)), True)

        paced(args.batch_rate, stop, action)
        client.close()

    threads.append(threading.Thread(target=batch_sender, daemon=True))

    def reader():
        client = RawClient(port)
        paths = ["/api/devices?limit=50"]
        for i in range(5):
            paths.append(f"/api/devices/soak-m{i:02d}/telemetry?start=-1h&limit=100")
            paths.append(f"/api/devices/soak-h{i:02d}/telemetry/latest")

        def action(n):
            http_request(client, streams["reads"], get(port, paths[n % len(paths)], token),
                         False)

        paced(args.read_rate, stop, action)
        client.close()

    threads.append(threading.Thread(target=reader, daemon=True))

    # MQTT: QoS 1, PUBACKs counted
    mqtt_stream = streams["mqtt"]
    # Publish time by message id. Its own lock, never held while paho runs: paho calls
    # on_publish holding its own mutex, and publish() takes that mutex (lock-order inversion).
    pending: dict[int, float] = {}
    early: set[int] = set()  # PUBACKs that came before their publish time was noted
    pending_lock = threading.Lock()
    acked, published = [0], [0]
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                            client_id=f"soak-pub-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5)
    publisher.username_pw_set(*TESTER)
    publisher.max_inflight_messages_set(1000)

    def on_publish(_c, _u, mid, reason_code, _p):
        with pending_lock:
            started = pending.pop(mid, None)
            if started is None:
                early.add(mid)
        ok = not reason_code.is_failure
        if ok:
            acked[0] += 1
        mqtt_stream.record("puback" if ok else "puback_failure",
                           None if started is None else time.perf_counter() - started,
                           2 if ok else 0)

    publisher.on_publish = on_publish
    publisher.connect("127.0.0.1", broker.port, keepalive=60)
    publisher.loop_start()

    def mqtt_sender():
        def action(n):
            device = f"soak-m{n % MQTT_DEVICES:02d}"
            body = orjson.dumps({"ts": base + n, "values": {"a": n % 50, "b": n % 7}})
            published[0] += 1
            started = time.perf_counter()
            info = publisher.publish(f"devices/{device}/telemetry", body, qos=1)
            with pending_lock:
                if info.mid in early:
                    early.discard(info.mid)  # acked already; its latency is not known
                else:
                    pending[info.mid] = started

        paced(args.mqtt_rate, stop, action)

    threads.append(threading.Thread(target=mqtt_sender, daemon=True))

    ws_stats = [{"events": 0, "items": 0, "disconnects": 0, "errors": [], "connected": False}
                for _ in range(args.ws_clients)]
    ws_stop = threading.Event()
    rooms = [f"device:soak-m{i:02d}" for i in range(MQTT_DEVICES)]
    ws_threads = [threading.Thread(target=websocket_client, daemon=True,
                                   args=(f"http://127.0.0.1:{port}", token, rooms, s, ws_stop))
                  for s in ws_stats]
    for t in ws_threads:
        t.start()

    workers = server.pids()[1:] or server.pids()
    meter = CpuMeter(server, PG_DB if args.backend == "postgresql" else None)
    log(f"soak: {args.duration:.0f} s of mixed load on {args.backend}")
    for t in threads:
        t.start()
    time.sleep(min(10.0, args.duration / 6))  # warm: imports, caches, pools, first rollups
    rss = [(0, rss_kib(workers))]
    ok_at_start = {name: s.ok for name, s in streams.items()}
    cpu_before = meter.snapshot()
    started = time.monotonic()
    end = started + args.duration
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(10.0, left))
        rss.append((round(time.monotonic() - started), rss_kib(workers)))
        log(f"  {rss[-1][0]:>4} s  rss {rss[-1][1] // 1024} MiB  "
            + "  ".join(f"{s.name} {s.ok}/{s.sent}" for s in streams.values())
            + f"  mqtt published {published[0]}"
            + f"  ws items {sum(s['items'] for s in ws_stats)}")
    stop.set()
    disconnects = [s["disconnects"] for s in ws_stats]
    for t in threads:
        t.join(60)
    cpu = CpuMeter.delta(cpu_before, meter.snapshot())
    elapsed = time.monotonic() - started
    # The books: wait until MQTT's accepted messages are stored (or 120 s without progress)
    expected_mqtt = 2 * acked[0]
    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < 120:
        stored_mqtt = count_rows(tdb.url, "soak-m")
        if stored_mqtt >= expected_mqtt:
            break
        if stored_mqtt != last:
            last, last_change = stored_mqtt, time.monotonic()
        time.sleep(1.0)
    publisher.loop_stop()
    publisher.disconnect()
    time.sleep(1.0)  # the last pushes reach the Socket.IO client
    ws_stop.set()
    for t in ws_threads:
        t.join(30)
    rss_end = rss_kib(workers)
    books = {
        "http_single": {"accepted_points": streams["http_single"].accepted_points,
                        "stored_rows": count_rows(tdb.url, "soak-h")},
        "http_batch": {"accepted_points": streams["http_batch"].accepted_points,
                       "stored_rows": count_rows(tdb.url, "soak-b")},
        "mqtt": {"published_messages": published[0], "acked_messages": acked[0],
                 "accepted_points": expected_mqtt,
                 "stored_rows": count_rows(tdb.url, "soak-m")},
    }
    for entry in books.values():
        entry["stored_equals_accepted"] = entry["stored_rows"] == entry["accepted_points"]
    return {
        "measured_s": round(elapsed, 1),
        "streams": {name: s.report(elapsed, ok_at_start[name]) for name, s in streams.items()},
        "websocket": [{"connected": s["connected"], "telemetry_events": s["events"],
                       "items_pushed": s["items"], "disconnects_during_load": d,
                       "errors": s["errors"][:3]}
                      for s, d in zip(ws_stats, disconnects, strict=True)],
        "rss_kib": {"start": rss[0][1], "end_of_load": rss[-1][1], "after_drain": rss_end,
                    "max": max(r for _t, r in rss), "samples": rss},
        "cpu": cpu,
        "books": books,
        "stored_equals_accepted": all(e["stored_equals_accepted"] for e in books.values()),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    parser.add_argument("--http-rate", type=float, default=40.0, help="single readings/s")
    parser.add_argument("--batch-rate", type=float, default=2.0, help="batches/s")
    parser.add_argument("--batch-items", type=int, default=100)
    parser.add_argument("--mqtt-rate", type=float, default=40.0, help="MQTT messages/s")
    parser.add_argument("--read-rate", type=float, default=10.0, help="reads/s")
    parser.add_argument("--ws-clients", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args(argv)
    report = run(args)
    print(json.dumps(report, indent=2))
    return 0 if report.get("stored_equals_accepted") else 1


if __name__ == "__main__":
    sys.exit(main())
