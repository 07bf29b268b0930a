"""The stable command line: serve, serve-prod, db, create-admin, backup, restore, ingest-worker,
seed-demo, simulate, demo (README)."""

import argparse
import os
import secrets
import sys
from pathlib import Path

from sqlalchemy import func, select

from smartcity.jobs.scheduler import get_scheduler
from smartcity.ops.runtime import tune_gc
from smartcity.realtime.registry import socketio_of
from smartcity.simulator.command import add_arguments
from smartcity.telemetry.pipeline import pipeline_of


def _app(background: bool = False, role: str = "app"):
    from smartcity import create_app

    return create_app(overrides={"START_BACKGROUND": background, "MQTT_ROLE": role})


def cmd_serve(args) -> int:
    app = _app(background=True, role="serve")
    tune_gc()
    app.logger.info("serving on http://%s:%s", args.host, args.port)
    # Werkzeug's threaded server (with WebSockets via simple-websocket) is fine for one node;
    # production runs gunicorn with gthread workers behind nginx.
    socketio = socketio_of(app)
    socketio.run(app, host=args.host, port=args.port, use_reloader=False, debug=False,
                 allow_unsafe_werkzeug=True)
    return 0


def cmd_serve_prod(args) -> int:
    """N gunicorn processes on consecutive ports and the ingest worker (docs/deployment.md)."""
    from smartcity.ops import supervisor

    if not Path("gunicorn.conf.py").is_file():
        print("error: run serve-prod from the directory that holds gunicorn.conf.py",
              file=sys.stderr)
        return 2
    config = _app().config  # the settings every child will read (environment and config.py)
    worker = not args.no_worker
    if worker and not config.get("MQTT_URL"):
        print("serve-prod: MQTT_URL is not set; no ingest worker", flush=True)
        worker = False
    if args.processes > 1 and not config.get("REDIS_URL"):
        print("error: several processes share Socket.IO events, rate limits and the device "
              "cache through Redis: set REDIS_URL", file=sys.stderr)
        return 2
    children = supervisor.plan(args.processes, args.host, args.port, worker)
    return supervisor.run(children, Path.cwd())


def cmd_ingest_worker(args) -> int:
    """Consume MQTT and run the scheduled jobs, without serving HTTP."""
    import signal
    import threading

    from smartcity.mqtt.setup import start_consumer

    app = _app(background=True, role="worker")
    tune_gc()
    if not app.config.get("MQTT_URL"):
        print("error: MQTT_URL is not set", file=sys.stderr)
        return 2
    consumer = start_consumer(app, "worker")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"ingest worker {consumer.client_id} consuming {app.config['MQTT_URL']}", flush=True)
    stop.wait()
    consumer.stop()
    pipeline_of(app).stop()
    get_scheduler(app).stop()
    return 0


def cmd_db(args) -> int:
    from smartcity import migrate
    from smartcity.extensions import db

    app = _app()
    with app.app_context():
        if args.action == "upgrade":
            migrate.upgrade(db.engine, args.revision)
        elif args.action == "downgrade":
            migrate.downgrade(db.engine, args.revision)
        print(f"database at revision {migrate.current(db.engine)}")
    return 0


def _create_admin(username: str, password: str, email: str | None = None):
    from smartcity.audit.service import record
    from smartcity.auth import service
    from smartcity.extensions import db

    user = service.create_user({"username": username, "password": password, "role": "admin",
                                "email": email})
    record("user.created", "user", user.id, {"role": "admin", "via": "cli"})
    db.session.commit()
    return user


def cmd_create_admin(args) -> int:
    from marshmallow import ValidationError

    from smartcity.auth.schemas import user_create_schema
    from smartcity.errors import ApiError

    app = _app()
    with app.app_context():
        try:
            data = user_create_schema.load({"username": args.username, "password": args.password,
                                            "email": args.email, "role": "admin"})
            _create_admin(data["username"], data["password"], data["email"])
        except ValidationError as exc:
            print(f"error: {exc.messages}", file=sys.stderr)
            return 2
        except ApiError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
    print(f"admin {args.username} created")
    return 0


def _backup_tool(action: str, path: Path) -> int:
    """Run ops.backup.<action> on DATABASE_URL's database; its errors are exit status 2."""
    from smartcity.extensions import db
    from smartcity.ops import backup

    app = _app()
    with app.app_context():
        db.engine.dispose()  # the backup tools open their own connections
    try:
        print(getattr(backup, action)(app.config["DATABASE_URL"], path))
    except backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_backup(args) -> int:
    """Write a backup of DATABASE_URL's database (docs/deployment.md, Backups)."""
    return _backup_tool("backup", args.to)


def cmd_restore(args) -> int:
    """Replace DATABASE_URL's content with a backup; stop the app's processes first."""
    status = _backup_tool("restore", args.source)
    if status == 0:
        print("now run `run.py db upgrade` if the backup comes from an older release")
    return status


def cmd_seed_demo(args) -> int:
    """Create the demo admin once (password kept in instance/), then the demo city."""
    from smartcity.auth.models import User
    from smartcity.extensions import db
    from smartcity.simulator.seed import seed_city

    app = _app()
    credentials = Path(app.instance_path) / "demo-credentials.txt"
    with app.app_context():
        if db.session.scalar(select(func.count(User.id))) == 0:
            password = secrets.token_urlsafe(12)
            _create_admin("admin", password)
            credentials.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(f"username: admin\npassword: {password}\n")
            os.chmod(credentials, 0o600)
        # Only a demo database gets the city: never an installation someone set up by hand.
        city = seed_city(Path(app.instance_path) / "demo-keys.json", args.seed) \
            if credentials.is_file() else None
        if city:
            from smartcity.custom_dashboards import demo_install

            admin = db.session.scalar(select(User).where(User.username == "admin"))
            if admin is not None:
                demo_install.install(admin.id)
                db.session.commit()
    if city:
        print(f"Demo city {city['city']}: {len(city['devices'])} devices; keys in "
              f"{Path(app.instance_path) / 'demo-keys.json'}")
    if credentials.is_file():
        print(f"Demo login ({credentials}):\n{credentials.read_text()}", end="")
    return 0


def cmd_simulate(args) -> int:
    from smartcity.simulator import command

    return command.run(args)


def cmd_demo(args) -> int:
    """Serve the app and run the simulator live with history behind, until Ctrl-C."""
    from smartcity.simulator import demo

    return demo.run(args.host, args.port)


def cmd_mqtt_bootstrap(args) -> int:
    """Write the broker's dynamic-security file: admin, platform and the known device keys."""
    from smartcity.mqtt.accounts import bootstrap
    from smartcity.simulator.keyfile import read_keys

    app = _app()
    keys_file = args.keys or Path(app.instance_path) / "demo-keys.json"
    device_keys = read_keys(keys_file).get("devices", {}) if Path(keys_file).is_file() else {}
    with app.app_context():
        try:
            document = bootstrap.build(app.config, device_keys)
            bootstrap.write(args.file, document, args.force, args.owner)
        except bootstrap.BootstrapError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    devices = sum(1 for client in document["clients"] if "clientid" in client)
    print(f"wrote {args.file}: admin {app.config['MQTT_ADMIN_USERNAME']}, platform "
          f"{bootstrap.platform_username(app.config)}, {devices} device accounts; devices "
          f"without a known key get one when their key is rotated")
    return 0


def cmd_vapid_key(args) -> int:
    """Print a new VAPID key pair for Web Push (set VAPID_PRIVATE_KEY; browsers get the public)."""
    from smartcity.notifications import push

    private = push.new_private_key()
    print(f"VAPID_PRIVATE_KEY={private}")
    print(f"# public key (served to browsers): {push.public_key({'VAPID_PRIVATE_KEY': private})}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description="smartcity command line")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.set_defaults(func=cmd_serve)

    prod = sub.add_parser("serve-prod", help="N gunicorn processes on consecutive ports and the "
                                             "ingest worker, in the foreground")
    prod.add_argument("--processes", type=int, default=2)
    prod.add_argument("--host", default="127.0.0.1")
    prod.add_argument("--port", type=int, default=8000, help="first port")
    prod.add_argument("--no-worker", action="store_true", help="do not run the ingest worker")
    prod.set_defaults(func=cmd_serve_prod)

    dbp = sub.add_parser("db", help="database migrations")
    dbp.add_argument("action", choices=("upgrade", "downgrade"))
    dbp.add_argument("revision", nargs="?", default="head")
    dbp.set_defaults(func=cmd_db)

    admin = sub.add_parser("create-admin", help="create an admin user (non-interactive)")
    admin.add_argument("--username", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--email")
    admin.set_defaults(func=cmd_create_admin)

    back = sub.add_parser("backup", help="back up the database (SQLite backup API or pg_dump -Fc)")
    back.add_argument("--to", type=Path, required=True, help="file to write")
    back.set_defaults(func=cmd_backup)

    rest = sub.add_parser("restore", help="replace the database's content with a backup "
                                          "(stop the app first)")
    rest.add_argument("--from", dest="source", type=Path, required=True, help="backup file")
    rest.set_defaults(func=cmd_restore)

    worker = sub.add_parser("ingest-worker", help="consume MQTT telemetry and run jobs")
    worker.set_defaults(func=cmd_ingest_worker)

    seed = sub.add_parser("seed-demo", help="create the demo admin and city when empty")
    seed.add_argument("--seed", type=int, default=42, help="which synthetic city")
    seed.set_defaults(func=cmd_seed_demo)

    boot = sub.add_parser("mqtt-bootstrap", help="write Mosquitto's dynamic-security file "
                                                 "(admin, platform and known device accounts)")
    boot.add_argument("--file", type=Path, required=True,
                      help="plugin_opt_config_file of mosquitto.conf (write before it starts)")
    boot.add_argument("--keys", type=Path, help="device keys file (default: the demo city's)")
    boot.add_argument("--owner", help="UID:GID to give the file (the broker's user)")
    boot.add_argument("--force", action="store_true", help="replace an existing file")
    boot.set_defaults(func=cmd_mqtt_bootstrap)

    vapid = sub.add_parser("vapid-key", help="print a new VAPID key pair for Web Push")
    vapid.set_defaults(func=cmd_vapid_key)

    simulate = sub.add_parser("simulate", help="run the demo city's devices (live or history)")
    add_arguments(simulate)
    simulate.set_defaults(func=cmd_simulate)

    demo = sub.add_parser("demo", help="serve and simulate together (what `make run` runs)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=5000)
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
