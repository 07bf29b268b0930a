"""WSGI entry point for gunicorn: `gunicorn app:app`."""

from smartcity import create_app

app = create_app()
