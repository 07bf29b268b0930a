# smartcity application image: gunicorn (gthread) serving app:app on port 8000.
# The same image runs the ingest worker (docker-compose.yml overrides the entrypoint).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
# (requirements.txt also lists the test and lint tools; every runtime pin has a wheel for slim.)
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The package itself, not editable; run.py, app.py, config.py and gunicorn.conf.py stay in /app.
COPY . .
RUN pip install --no-deps . \
    && rm -rf build src/*.egg-info \
    && useradd --system --uid 10001 --home-dir /app --no-create-home smartcity \
    && mkdir -p instance \
    && chown smartcity:smartcity instance

USER smartcity
EXPOSE 8000

# python:3.11-slim has no curl; urlopen raises (exit 1) on a 503 or no answer. The ingest worker
# serves no HTTP: docker-compose disables this check for it.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=3)"]

# Bring the schema to the Alembic head before every start, then run the command as PID 1 so it
# receives SIGTERM (gunicorn shuts down gracefully). `docker run <image> python run.py ...` works.
ENTRYPOINT ["sh", "-c", "python run.py db upgrade && exec \"$@\"", "entrypoint"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]
