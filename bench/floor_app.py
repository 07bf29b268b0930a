"""The floor for single-reading posts: an empty Flask route behind the same gunicorn settings.

bench/ingest_http.py serves it with the same load as the real endpoint, so that the report
shows how much of a request's cost is the web stack itself (HTTP parsing, WSGI, Flask) and how
much is ours (auth, parsing, queue, commit). Nothing is stored.
"""

from flask import Flask, request

app = Flask(__name__)


@app.get("/api/health")
def health():
    return {"status": "ok"}


@app.post("/api/telemetry")
def post_telemetry():
    request.get_data()
    return {"accepted": 1, "stored": 0}, 201
