"""gunicorn's own refusals (before the app sees a request) answer in the API's JSON error shape:
the real gunicorn with the shipped gunicorn.conf.py, driven over a raw socket."""

import json
import socket

import pytest
import requests

from tests.gunicorn import gunicorn as run_gunicorn


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    with run_gunicorn(tmp, f"sqlite:///{tmp}/app.db") as server:
        yield server.port, server.url, server.log


def raw(port: int, data: bytes) -> tuple[int, dict, bytes]:
    """Send bytes as they are and read the answer until gunicorn closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.strip().lower(): v.strip() for k, v in
               (line.split(":", 1) for line in lines[1:])}
    return status, headers, body


def assert_json_error(answer, status: int, code: str) -> dict:
    got, headers, body = answer
    assert got == status, body[:300]
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["details"] == {}
    return error


def test_overlong_request_line_is_a_json_414(gunicorn):
    port, _, _ = gunicorn
    request = b"GET /api/health?q=" + b"a" * 8000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    error = assert_json_error(raw(port, request), 414, "uri_too_long")
    assert "4094" in error["message"]


def test_huge_header_is_a_json_431(gunicorn):
    port, _, _ = gunicorn
    request = (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n")
    assert_json_error(raw(port, request), 431, "headers_too_large")


def test_too_many_headers_is_a_json_431(gunicorn):
    port, _, _ = gunicorn
    fields = b"".join(b"X-H%d: v\r\n" % n for n in range(150))
    request = b"GET /api/health HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n"
    assert_json_error(raw(port, request), 431, "headers_too_large")


@pytest.mark.parametrize("request_line", [
    b"THIS IS NOT HTTP\r\n\r\n",
    b"GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header Name: v\r\n\r\n",
])
def test_malformed_request_is_a_json_400(gunicorn, request_line):
    port, _, _ = gunicorn
    assert_json_error(raw(port, request_line), 400, "bad_request")


def test_the_worker_still_serves_and_logs_the_refusals(gunicorn):
    port, url, log = gunicorn
    answer = requests.get(f"{url}/api/health", timeout=20)
    assert answer.status_code == 200 and answer.json()["status"]
    raw(port, b"GET /" + b"c" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    requests.get(f"{url}/api/health", timeout=20)  # the log line is written before this answer
    assert "Invalid request from ip=127.0.0.1" in log.read_text()
