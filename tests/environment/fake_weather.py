"""A local stand-in for an OpenWeatherMap-compatible provider (outside the platform, so faked):
a real HTTP server on loopback answering the current-weather call, which tests can slow down or
break."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KEY = "test-key"


class FakeWeather:
    """mode: "up" answers {temp, humidity}; "slow" waits `delay` s first; "down" answers 500."""

    def __init__(self):
        self.mode, self.delay, self.temp, self.humidity = "up", 2.0, 18.5, 72.0
        self.calls: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.calls.append({"path": url.path, **query})
                if fake.mode == "slow":
                    time.sleep(fake.delay)
                if fake.mode == "down":
                    return self._answer(500, {"cod": 500, "message": "internal error"})
                if query.get("appid") != KEY:
                    return self._answer(401, {"cod": 401, "message": "Invalid API key."})
                self._answer(200, {
                    "coord": {"lon": float(query["lon"]), "lat": float(query["lat"])},
                    "weather": [{"id": 500, "main": "Rain", "description": "light rain"}],
                    "main": {"temp": fake.temp, "humidity": fake.humidity, "pressure": 1012},
                    "wind": {"speed": 4.1, "deg": 80}, "dt": 1_700_000_000,
                    "sys": {"country": "GB"}, "name": "London", "cod": 200})

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on a slow answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/data/2.5"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
