# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
VENDOR := src/smartcity/dashboard/static/vendor
CHROMIUM ?= /usr/bin/chromium

.PHONY: install vendor pango browser nginx compose run serve-prod test fuzz lint clean-venv

install: pango $(VENV)/.installed vendor

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# Dashboard libraries from npm (package-lock.json); only their dist files are served, never committed.
vendor: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/leaflet/images $(VENDOR)/uplot
	cp node_modules/socket.io-client/dist/socket.io.esm.min.js $(VENDOR)/
	cp node_modules/leaflet/dist/leaflet-src.esm.js node_modules/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp node_modules/leaflet/dist/images/*.png $(VENDOR)/leaflet/images/
	cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css $(VENDOR)/uplot/
	cp node_modules/axe-core/axe.min.js $(VENDOR)/
	touch $@

# WeasyPrint (the reports' PDF) loads pango through cffi; Debian's packages when missing.
pango:
	@$$(command -v ldconfig || echo /sbin/ldconfig) -p | grep -q 'libpangoft2-1.0.so.0' || { echo "installing Debian pango for WeasyPrint"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; }

# Browser tests drive Debian's chromium (Playwright's own browser download is not used).
browser:
	@test -x $(CHROMIUM) || { echo "installing Debian chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

# tests/deploy runs the shipped nginx.conf in Debian's nginx (its service is not started).
NGINX ?= /usr/sbin/nginx
nginx:
	@test -x $(NGINX) || { echo "installing Debian nginx for the deployment tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends nginx; }

# tests/deploy validates docker-compose.yml with Compose; without Docker's plugin, Debian's
# docker-compose 1.29 (Python, needs no engine for `config`).
compose:
	@{ docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; } || { \
	  echo "installing Debian docker-compose for the deployment tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends docker-compose; }

run: install
	$(BIN)/python run.py db upgrade
	$(BIN)/python run.py seed-demo
	$(BIN)/python run.py demo --host $(HOST) --port $(PORT)

# Production on one host: N gunicorn processes on consecutive ports from PORT, and the ingest
# worker; put nginx (nginx.conf) in front. Needs REDIS_URL (and MQTT_URL for the worker).
PROCESSES ?= 2
serve-prod: install
	$(BIN)/python run.py db upgrade
	$(BIN)/python run.py serve-prod --processes $(PROCESSES) --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .

test: lint pango browser nginx compose
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The OpenAPI fuzz of `make test` with many more cases per operation (FUZZ_EXAMPLES per mode).
FUZZ_EXAMPLES ?= 100
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q -s

clean-venv:
	rm -rf $(VENV)
