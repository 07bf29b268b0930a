"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py app:app`.

Worker class: `gthread`, because Flask-SocketIO runs in `threading` mode with simple-websocket
(DESIGN.md). eventlet is deprecated upstream and its monkey-patching fights the real threads of
psycopg, paho-mqtt and the telemetry writer; gevent would bring the same problem. A WebSocket holds
one thread for its lifetime, hence many threads per worker.

Anything here can be overridden without editing the file, e.g.
GUNICORN_CMD_ARGS="--threads 200 --bind 127.0.0.1:9000"; FORWARDED_ALLOW_IPS is read by gunicorn
itself (docker-compose sets it because only nginx can reach the app).
"""

import os


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this container may use, not the host's
    except AttributeError:
        return os.cpu_count() or 1


bind = "0.0.0.0:8000"
# gunicorn's gthread worker, whose own refusals (414 request line too long, 431 headers too large,
# 400 malformed request) answer in the API's JSON error shape instead of an HTML page.
worker_class = "smartcity.ops.gunicorn_worker.JsonErrorWorker"
# One process per CPU: a process runs Python on one core at a time, and ingest is CPU-bound.
# Socket.IO's HTTP long-polling needs every request of a session to reach the same process, and
# gunicorn does not route by session: with more than one worker, browsers must connect with the
# WebSocket transport only, or run WEB_CONCURRENCY=1 per container and scale out with replicas
# behind nginx's ip_hash (both share events through Redis).
workers = int(os.environ.get("WEB_CONCURRENCY") or _cpu_count())
threads = 100  # idle WebSockets cost a thread each, requests are short
# Do not import the app before forking: background threads (MQTT, writer) must start per worker.
preload_app = False

# gthread workers report liveness from their main loop, so long-lived WebSockets do not trip this;
# a worker stuck for 30 s is restarted.
timeout = 30
graceful_timeout = 30
# Longer than nginx's upstream keepalive_timeout (60 s), so nginx never reuses a connection that
# gunicorn is closing at the same moment (a source of spurious 502s).
keepalive = 75
# The heartbeat file lives in memory: on a container's overlay filesystem it can block workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# No access log by default: nginx in front logs every request already (with the upstream's
# response time), and gunicorn's line cost ~10 % of a single-reading post's CPU. Without nginx,
# or to log here too: GUNICORN_CMD_ARGS="--access-logfile -" (stdout).
accesslog = None
errorlog = "-"  # stderr
access_log_format = (
    '%(h)s %({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
)
# LOG_FORMAT=json (the app's own setting) makes the access log one JSON object per line too.
if os.environ.get("LOG_FORMAT") == "json":
    logger_class = "smartcity.ops.access_log.JsonAccessLogger"

# The runtime control socket (gunicornc) is not used; do not create it in the user's home.
control_socket_disable = True


def post_worker_init(worker):
    from smartcity.ops.runtime import tune_gc

    tune_gc()
