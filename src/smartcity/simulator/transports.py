"""How simulated devices reach the app: HTTP with each device's API key, or MQTT with one client
(and one last will) per device. Nothing else of the app is touched."""

import contextlib
import logging
import queue
import select
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import orjson
import paho.mqtt.client as mqtt
import requests

from smartcity.mqtt.settings import parse_mqtt_url

log = logging.getLogger(__name__)
JSON = "application/json"


class HttpTransport:
    """Requests from a small pool of worker threads, each with its own keep-alive session."""

    gateways = True  # gateways forward their children's readings in batches
    polls = True  # devices fetch their commands and config

    def __init__(self, base_url: str, keys: dict[str, str], concurrency: int = 16,
                 timeout: float = 15.0):
        self.base = base_url.rstrip("/")
        self.keys, self.timeout = keys, timeout
        self.stats: Counter = Counter()
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="sim-http")
        self._slots = threading.BoundedSemaphore(concurrency * 4)  # back-pressure
        self.control_supported = True
        self.latency = 0.0  # seconds, moving average of reading posts: how busy the app is

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def request(self, method: str, path: str, device_id: str | None = None, retries: int = 3,
                **kwargs) -> requests.Response | None:
        headers = kwargs.pop("headers", {})
        if device_id is not None:
            headers["X-API-Key"] = self.keys[device_id]
        for attempt in range(retries + 1):
            try:
                response = self._session().request(method, self.base + path, headers=headers,
                                                   timeout=self.timeout, **kwargs)
            except requests.RequestException as exc:
                self.stats["connection_errors"] += 1
                log.debug("%s %s failed: %s", method, path, exc)
                time.sleep(min(5.0, 0.5 * 2 ** attempt))
                continue
            if response.status_code in (429, 503) and attempt < retries:
                self.stats[f"retried_{response.status_code}"] += 1
                time.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            return response
        return None

    def _post_readings(self, device_id, body: bytes, content_type: str) -> None:
        started = time.monotonic()
        try:
            response = self.request("POST", "/api/telemetry", device_id, data=body,
                                    headers={"Content-Type": content_type})
            self._count(response)
        finally:
            self._slots.release()
            self.latency = 0.8 * self.latency + 0.2 * (time.monotonic() - started)

    def _count(self, response) -> None:
        if response is None:
            self.stats["failed"] += 1
        elif response.status_code == 201:
            self.stats["accepted"] += 1
        elif response.status_code == 400:
            self.stats["rejected"] += 1  # malformed on purpose, or a real bug: see the server log
        else:
            self.stats[f"http_{response.status_code}"] += 1

    def send(self, device_id: str, body: bytes, content_type: str = JSON) -> None:
        """Post one device's reading(s) in the background (blocks when too many are queued)."""
        self._slots.acquire()
        self.stats["sent"] += 1
        self._pool.submit(self._post_readings, device_id, body, content_type)

    def send_gateway(self, gateway_id: str, items: list[dict]) -> None:
        """A gateway forwards its children's readings in one batch, with its own key."""
        self._slots.acquire()
        self.stats["sent"] += 1

        def post():
            try:
                self._count(self.request("POST", "/api/telemetry/batch", gateway_id,
                                         data=orjson.dumps(items),
                                         headers={"Content-Type": JSON}))
            finally:
                self._slots.release()

        self._pool.submit(post)

    def heartbeat(self, device_id: str) -> None:
        self._slots.acquire()

        def post():
            try:
                self.request("POST", "/api/devices/heartbeat", device_id, retries=0)
            finally:
                self._slots.release()

        self._pool.submit(post)

    # -- control: HTTP devices poll ----------------------------------------------------------
    def fetch_control(self, device_id: str, want_config: bool) -> list[tuple[str, dict]]:
        """Pending commands (and the desired config) of a device, as inbox messages."""
        if not self.control_supported:
            return []
        messages = []
        response = self.request("GET", "/api/devices/me/commands", device_id, retries=1)
        if response is not None and response.status_code == 404:
            if self.control_supported:
                self.control_supported = False
                log.warning("the server has no device control API; commands are not polled")
            return []
        if response is not None and response.status_code == 200:
            messages += [("command", c) for c in response.json().get("items", [])]
        if want_config:
            response = self.request("GET", "/api/devices/me/config", device_id, retries=1)
            if response is not None and response.status_code == 200:
                messages.append(("config", response.json()))
        return messages

    def poll(self, device_id: str, want_config: bool, inbox) -> None:
        """Fetch a device's commands (and config) in the background into the runner's inbox."""
        def fetch():
            for kind, body in self.fetch_control(device_id, want_config):
                inbox.put((device_id, kind, body))

        self._pool.submit(fetch)

    def respond(self, device_id: str, command_id: str, body: dict) -> None:
        self._pool.submit(self.request, "POST",
                          f"/api/devices/me/commands/{command_id}/response", device_id,
                          json=body, retries=1)

    def report(self, device_id: str, attributes: dict) -> None:
        self._pool.submit(self.request, "PUT", "/api/devices/me/attributes", device_id,
                          json=attributes, retries=1)

    def drop(self, device_id: str) -> None:
        """HTTP devices just fall silent; the platform notices from last_seen."""

    def restore(self, device_id: str) -> None:
        self.heartbeat(device_id)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class MqttTransport:
    """One paho client per device (its own client id and last will), all driven by one thread
    polling their sockets instead of a network thread each."""

    gateways = False  # every device publishes on its own topic
    polls = False  # the broker pushes commands and config

    def __init__(self, url: str, device_ids, inbox: "queue.Queue | None" = None,
                 keepalive: int = 60, keys: dict[str, str] | None = None):
        self.broker = parse_mqtt_url(url)
        # Each device logs in as itself (username = device id, password = its API key), as the
        # shipped broker config requires; without keys, with the URL's login (a test broker).
        self.keys = keys or {}
        self.inbox = inbox if inbox is not None else queue.Queue()
        self.stats: Counter = Counter()
        self._outbox: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self.clients: dict[str, mqtt.Client] = {}
        self.online: set[str] = set()
        self._dropped: set[str] = set()
        self._waiting: dict[str, list] = {}  # publishes waiting for a connection
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        for device_id in device_ids:
            self.clients[device_id] = self._client(device_id, keepalive)
        self._thread = threading.Thread(target=self._loop, name="sim-mqtt", daemon=True)
        self._thread.start()

    def _client(self, device_id: str, keepalive: int) -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device_id,
                             protocol=mqtt.MQTTv311, clean_session=True, userdata=device_id)
        if device_id in self.keys:
            client.username_pw_set(device_id, self.keys[device_id])
        elif self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set()
        client.will_set(f"devices/{device_id}/status", b"offline", qos=1)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.max_queued_messages_set(0)
        client.connect(self.broker.host, self.broker.port, keepalive=keepalive)
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client

    def _on_connect(self, client, device_id, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            self.stats["connect_refused"] += 1
            return
        client.subscribe([(f"devices/{device_id}/commands/+", 1),
                          (f"devices/{device_id}/config", 1)])
        client.publish(f"devices/{device_id}/status", b"online", qos=1)
        for args in self._waiting.pop(device_id, []):
            client.publish(*args)
        self.online.add(device_id)

    def _on_message(self, _client, device_id, message) -> None:
        parts = message.topic.split("/")
        try:
            body = orjson.loads(message.payload)
        except orjson.JSONDecodeError:
            return
        if parts[2] == "config":
            self.inbox.put((device_id, "config", body))
        elif parts[2] == "commands" and len(parts) == 4:
            self.inbox.put((device_id, "command", body))

    # -- the one network thread ------------------------------------------------------------------
    def _loop(self) -> None:
        last_misc = 0.0
        while not self._stop.is_set():
            self._drain_outbox()
            poller, socks = select.poll(), {}
            poller.register(self._wake_r, select.POLLIN)
            for client in self.clients.values():
                sock = client.socket()
                if sock is not None:
                    socks[sock.fileno()] = client
                    poller.register(sock, select.POLLIN | (select.POLLOUT if client.want_write()
                                                           else 0))
            for fd, events in poller.poll(100):
                if fd == self._wake_r.fileno():
                    self._wake_r.recv(4096)
                    continue
                client = socks[fd]
                if events & (select.POLLIN | select.POLLERR | select.POLLHUP):
                    client.loop_read()
                if events & select.POLLOUT and client.socket() is not None:
                    client.loop_write()
            if time.monotonic() - last_misc >= 1.0:  # keepalive pings and timeouts
                last_misc = time.monotonic()
                for device_id, client in self.clients.items():
                    if device_id not in self._dropped:
                        client.loop_misc()

    def _drain_outbox(self) -> None:
        while True:
            try:
                action, device_id, args = self._outbox.get_nowait()
            except queue.Empty:
                return
            client = self.clients[device_id]
            if action == "publish" and not client.is_connected():
                if device_id not in self._dropped:  # (re)connecting: publish once connected
                    self._waiting.setdefault(device_id, []).append(args)
                continue
            if action == "publish":
                info = client.publish(*args)
                self.stats["sent" if info.rc == mqtt.MQTT_ERR_SUCCESS else "failed"] += 1
            elif action == "drop":
                self._dropped.add(device_id)
                self.online.discard(device_id)
                sock = client.socket()
                if sock is not None:  # vanish without DISCONNECT: the broker sends the will
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                    client.loop_read()
            elif action == "restore":
                self._dropped.discard(device_id)
                try:
                    client.reconnect()
                except OSError:
                    self.stats["reconnect_failed"] += 1

    def _put(self, action: str, device_id: str, *args) -> None:
        self._outbox.put((action, device_id, args))
        with contextlib.suppress(BlockingIOError):  # plenty of wake-ups pending already
            self._wake_w.send(b"x")

    def send(self, device_id: str, body: bytes, content_type: str = JSON) -> None:
        self._put("publish", device_id, f"devices/{device_id}/telemetry", body, 1)

    def heartbeat(self, device_id: str) -> None:
        self._put("publish", device_id, f"devices/{device_id}/status", b"online", 1)

    def respond(self, device_id: str, command_id: str, body: dict) -> None:
        self._put("publish", device_id, f"devices/{device_id}/commands/{command_id}/response",
                  orjson.dumps(body), 1)

    def report(self, device_id: str, attributes: dict) -> None:
        self._put("publish", device_id, f"devices/{device_id}/attributes",
                  orjson.dumps(attributes), 1)

    def drop(self, device_id: str) -> None:
        self._put("drop", device_id)

    def restore(self, device_id: str) -> None:
        self._put("restore", device_id)

    def poll(self, device_id: str, want_config: bool, inbox) -> None:
        """Nothing to do: the broker pushes commands and config into the inbox."""

    def close(self, timeout: float = 5.0) -> None:
        """Say goodbye properly (status offline, DISCONNECT: no will) and stop the thread."""
        for device_id in list(self.clients):
            if device_id not in self._dropped:
                self._put("publish", device_id, f"devices/{device_id}/status", b"offline", 1)
        deadline = time.monotonic() + timeout
        while not self._outbox.empty() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        self._stop.set()
        self._thread.join(timeout)
        for client in self.clients.values():
            client.disconnect()
        self._wake_r.close()
        self._wake_w.close()
