"""Browser test kit (a pytest plugin): Debian's chromium driven by Playwright against a live
`run.py serve` that consumes MQTT from a Mosquitto of our own, on the test database with the
demo city's assets. Each test module that uses `city` gets its own server. Tests wait for what
they expect (selectors, events), never for time.

Screenshots go to docs/screenshots/ (shown in the README).
"""

import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest
import requests
from sqlalchemy import text

from smartcity import create_app
from smartcity.config import TestConfig
from smartcity.database import make_engine
from smartcity.models import metadata
from tests.broker import PLATFORM, ROOT, TESTER, broker_config, free_port, wait_port, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "correct-horse-battery"
TIMEOUT_MS = 30_000  # a loaded 2-core machine runs other suites beside the browser


def _missing(services, what: str):
    if services["CI"]:
        pytest.fail(f"CI=true requires {what}", pytrace=False)
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="module")
def chromium(services):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing(services, "the playwright package (make install)")
    if not Path(CHROMIUM).exists():
        _missing(services, f"Debian's chromium at {CHROMIUM} (make test installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory, services):
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        _missing(services, "mosquitto")
    tmp = tmp_path_factory.mktemp("mosquitto")
    port = free_port()
    proc = subprocess.Popen([binary, "-c", str(broker_config(tmp, port))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    yield {"url": f"mqtt://{PLATFORM[0]}:{PLATFORM[1]}@127.0.0.1:{port}", "port": port}
    proc.terminate()
    proc.wait(10)


def store_city_and_users(database_url: str) -> dict:
    """The demo city's assets and one user per role, written in-process before the server starts."""
    from smartcity.assets.models import Asset
    from smartcity.auth import service as auth
    from smartcity.extensions import db
    from smartcity.simulator.city import generate_city

    app = create_app(TestConfig, {"DATABASE_URL": database_url, "BCRYPT_ROUNDS": 4})
    city = generate_city(42)
    with app.app_context():
        for role in ("admin", "operator", "viewer"):
            auth.create_user({"username": f"ui-{role}", "email": f"{role}@ui.test",
                              "password": PASSWORD, "role": role})
        def depth(asset) -> int:
            return 0 if not asset.parent_id else 1 + depth(city.assets[asset.parent_id])

        assets = sorted(city.assets.values(), key=depth)  # parents first
        db.session.add_all(Asset(id=a.id, type=a.type, name=a.name, geometry=a.geometry,
                                 properties=a.properties, parent_id=a.parent_id) for a in assets)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    app.extensions["smartcity.pipeline"].stop()
    districts = [a for a in city.assets.values() if a.type == "district"]
    lons = [p[0] for d in districts for p in d.geometry["coordinates"][0]]
    lats = [p[1] for d in districts for p in d.geometry["coordinates"][0]]
    return {"lat": (min(lats) + max(lats)) / 2, "lon": (min(lons) + max(lons)) / 2}


def store_fleet(database_url: str, specs, points, then=None, timeout: float = 120) -> None:
    """The simulator's devices `specs` created and `points` stored through the real writer, in
    an app of its own on the test database, before the server starts; `then(app)` runs in its
    context once they are committed (checks, rules)."""
    from smartcity.devices import service as devices
    from smartcity.devices.schemas import device_create_schema
    from smartcity.extensions import db
    from smartcity.telemetry.pipeline import get_pipeline

    app = create_app(TestConfig, {"DATABASE_URL": database_url, "BCRYPT_ROUNDS": 4})
    with app.app_context():
        for spec in specs:
            devices.create_device(device_create_schema.load(spec.api_body()))
        db.session.commit()
        job = get_pipeline().submit(points)
        assert job.wait(timeout) and job.error is None
        if then is not None:
            then(app)
        db.session.remove()
        db.engine.dispose()
    app.extensions["smartcity.pipeline"].stop()


def empty_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    names = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()


class LiveServer:
    """A live server's URL, a user's token and api() calls with it."""

    def __init__(self, url: str, username: str = "ui-admin"):
        self.url = url
        self.token = self.login(username)

    def login(self, username: str) -> str:
        response = requests.post(f"{self.url}/api/auth/login", timeout=10,
                                 json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def api(self, method: str, path: str, **kwargs):
        response = requests.request(method, f"{self.url}{path}", timeout=60,
                                    headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        assert response.status_code < 300, (path, response.text)
        return response.json() if response.content else None


@contextlib.contextmanager
def serve(database_url: str, tmp: Path, username: str = "ui-admin", mqtt_url: str = "",
          server_class=LiveServer, settings: dict | None = None, **extra):
    """`run.py serve` on the test database (the city and users already stored), until the block
    ends; then the tables are emptied for the next module. `settings` go to the server's
    environment. Yields server_class(url, username, **extra)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "MQTT_URL": mqtt_url,
           "MQTT_CLIENT_ID": f"ui-{uuid.uuid4().hex[:8]}", "REDIS_URL": "",
           "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40, "PYTHONUNBUFFERED": "1",
           "LOGIN_RATE_LIMIT": "1000 per minute", "SOCKETIO_CHANNEL": f"ui-{uuid.uuid4().hex}",
           **(settings or {})}
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "serve", "--port", str(port)],
                              env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port, 30)
        yield server_class(f"http://127.0.0.1:{port}", username, **extra)
    finally:
        server.terminate()
        server.wait(20)
        log.close()
        empty_tables(database_url)


class City(LiveServer):
    """The live server, its users' tokens and the devices the tests use."""

    def __init__(self, url: str, username: str, broker: dict, centre: dict):
        super().__init__(url, username)
        self.broker, self.centre = broker, centre
        self.keys: dict[str, str] = {}

    def device(self, device_id: str, type: str, name: str, dlat: float, dlon: float) -> None:
        location = {"lat": self.centre["lat"] + dlat, "lon": self.centre["lon"] + dlon}
        body = self.api("POST", "/api/devices", json={"id": device_id, "type": type,
                                                      "name": name, "location": location})
        self.keys[device_id] = body["api_key"]

    def publish(self, topic: str, payload) -> None:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                             client_id=f"ui-{uuid.uuid4().hex[:10]}", protocol=mqtt.MQTTv5)
        client.username_pw_set(*TESTER)
        client.connect("127.0.0.1", self.broker["port"])
        client.loop_start()
        try:
            data = payload if isinstance(payload, str | bytes) else orjson.dumps(payload)
            client.publish(topic, data, qos=1).wait_for_publish(10)
        finally:
            client.disconnect()
            client.loop_stop()

    def reading(self, device_id: str, values: dict) -> int:
        ts = int(time.time() * 1000)
        self.publish(f"devices/{device_id}/telemetry", {"ts": ts, "values": values})
        return ts


def _backfill(city: City) -> None:
    """A day of five-minute readings, so charts and statistics have something to draw."""
    now = int(time.time() * 1000) // 300_000 * 300_000
    points = []
    for i in range(1, 288):
        ts = now - i * 300_000
        hour = (ts // 3_600_000) % 24
        points.append({"device_id": "aq-1", "ts": ts, "values": {
            "pm25": 8 + hour % 12 + i % 3, "pm10": 15 + hour % 9, "no2": 20 + (hour * 7) % 25}})
        points.append({"device_id": "cnt-1", "ts": ts, "values": {
            "intensity": 200 + 40 * (hour % 10), "speed": 45 - hour % 15}})
    city.api("POST", "/api/telemetry/batch", json=points)


@pytest.fixture(scope="module")
def city(database_url, mosquitto, tmp_path_factory):
    centre = store_city_and_users(database_url)
    with serve(database_url, tmp_path_factory.mktemp("server"), mqtt_url=mosquitto["url"],
               server_class=City, broker=mosquitto, centre=centre) as live:
        wait_until(lambda: live.api("GET", "/api/health?detailed=1")["services"]["mqtt"]
                   ["connected"], timeout=20)
        for args in [("aq-1", "air_quality_station", "Main Square air", 0.002, -0.004),
                     ("aq-2", "air_quality_station", "Harbour air", -0.006, 0.008),
                     ("cnt-1", "traffic_counter", "Ring road counter", 0.006, 0.003),
                     ("lamp-1", "streetlight", "Old town light", -0.002, -0.009),
                     ("bus-1", "vehicle", "Bus 12", 0.001, 0.006),
                     ("aq-new", "air_quality_station", "New station", 0.009, -0.01)]:
            live.device(*args)
        _backfill(live)
        live.api("POST", "/api/alert-rules", json={
            "name": "PM2.5 very high", "kind": "threshold", "scope": {"device_id": "aq-2"},
            "key": "pm25", "operator": ">", "value": 100, "clear_value": 80,
            "severity": "critical"})
        # The consumer is subscribed once a published reading comes back through the API.
        for device_id in ("aq-1", "cnt-1", "bus-1"):
            values = {"pm25": 14, "pm10": 22, "no2": 31} if device_id == "aq-1" else (
                {"intensity": 640, "speed": 38} if device_id == "cnt-1" else
                {"lat": centre["lat"] + 0.001, "lon": centre["lon"] + 0.006, "speed": 24})
            ts = live.reading(device_id, values)
            wait_until(lambda d=device_id, t=ts: next(iter(live.api(
                "GET", f"/api/devices/{d}/telemetry/latest")["values"].values()), {}).get(
                "ts") == t, timeout=20)
        yield live


class Session:
    """A signed-in browser page that records console errors and uncaught exceptions."""

    def __init__(self, browser, city: City, username: str, viewport=None, **context_args):
        self.city = city
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860},
                                           accept_downloads=True, **context_args)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.username = username

    def goto(self, path: str):
        """Open a page and wait until it is signed in and its live connection is up."""
        self.page.goto(f"{self.city.url}{path}")
        if path == "/login":
            self.page.wait_for_selector("#login-form")
        else:
            self.page.wait_for_selector("body[data-role] #conn[data-state=online]")
        return self.page

    def sign_in(self, screenshot: str | None = None) -> None:
        page = self.page
        page.goto(f"{self.city.url}/")
        page.wait_for_url("**/login?next=%2F")
        page.fill("#username", self.username)
        page.fill("#password", PASSWORD)
        if screenshot:
            shoot(page, screenshot)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{self.city.url}/")
        page.wait_for_selector("body[data-role]")

    def close(self) -> None:
        self.context.close()


def shoot(page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture(scope="module")
def operator(chromium, city):
    session = Session(chromium, city, "ui-operator")
    session.sign_in(screenshot="login")
    yield session
    session.close()


@pytest.fixture(scope="module")
def admin(chromium, city):
    session = Session(chromium, city, "ui-admin", permissions=["clipboard-read",
                                                                "clipboard-write"])
    session.sign_in()
    yield session
    session.close()


@pytest.fixture(scope="module")
def viewer(chromium, city):
    session = Session(chromium, city, "ui-viewer")
    session.sign_in()
    yield session
    session.close()


@pytest.fixture
def no_console_errors():
    """Fail a test whose pages logged an error to the console or threw."""
    sessions = []
    yield sessions.append
    for session in sessions:
        assert session.errors == [], session.errors


@pytest.fixture
def new_session(chromium, city):
    """Open more signed-in browsers (a tablet, a dark theme, a second user); closed at the end."""
    opened = []

    def open_session(username: str = "ui-operator", **context_args) -> Session:
        session = Session(chromium, city, username, **context_args)
        opened.append(session)
        session.sign_in()
        return session

    yield open_session
    for session in opened:
        session.close()


@pytest.fixture
def screenshot():
    """shoot(page, name) as a fixture, for modules that import nothing from the kit."""
    return shoot


AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def axe_violations(page) -> list:
    """Serious and critical axe findings on the page as it stands."""
    page.add_script_tag(url="/static/vendor/axe.min.js")
    return page.evaluate(AXE)


@pytest.fixture
def axe_in_both_themes():
    """Run axe on a page in the light and the dark theme; {theme: violations} of those that fail."""

    def check(page) -> dict:
        found = {}
        page.add_script_tag(url="/static/vendor/axe.min.js")
        for theme in ("light", "dark"):
            page.evaluate("t => { document.documentElement.dataset.theme = t }", theme)
            if violations := page.evaluate(AXE):
                found[theme] = violations
        return found

    return check
