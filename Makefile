# The two commands of the README:
#   make run   - set up everything and start the app on http://127.0.0.1:8000 with demo data
#   make test  - set up everything the tests need, run the gates (`make check`), then the whole
#                suite (SQLite, then PostgreSQL)
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup test-setup venv messages migrate seed system-packages check test-sqlite test-postgres bench lint search-engine search-engine-artifacts

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Installing Python 3.11 and venv from Debian packages"; $(MAKE) --no-print-directory system-packages PACKAGES="python3 python3-venv"; }
	@command -v $(PYTHON) >/dev/null 2>&1 && $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

venv: $(VENV)/bin/python

setup: venv
	$(PY) -m pip install --quiet -e .
	$(MAKE) --no-print-directory messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py seed_demo --if-empty

messages:
	@command -v msgfmt >/dev/null 2>&1 || $(MAKE) --no-print-directory system-packages PACKAGES=gettext
	$(PY) manage.py compilemessages --ignore=.venv -v 0

# The job worker (emails, digests, periodic jobs) runs beside the web server and stops with it.
run: setup
	@echo "Coworking Belgium on http://$(HOST):$(PORT)/ (Ctrl-C to stop), with its job worker"
	@$(PY) manage.py run_huey --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) --websocket-max-message-size 65536 --websocket-max-frame-size 65536 community.asgi:application

# Debian packages the tests use: Redis, PostgreSQL, Chromium (browser journeys), gettext.
system-packages:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test-setup: venv
	$(MAKE) --no-print-directory system-packages PACKAGES="redis-server postgresql chromium gettext fonts-dejavu-core fonts-noto-color-emoji openjdk-17-jdk-headless maven"
	$(PY) -m pip install --quiet -e ".[test]"
	$(MAKE) --no-print-directory messages
	$(MAKE) --no-print-directory search-engine-artifacts

# The search engine of the tests and of `make search-engine`: OpenSearch 2.19 from Maven Central,
# resolved once (a minute, the first time) into ~/.m2 and scripts/search-engine/target/.
search-engine-artifacts:
	@$(MAKE) --no-print-directory system-packages PACKAGES="openjdk-17-jdk-headless maven"
	@python3 scripts/search_engine.py --resolve

# A real OpenSearch in the foreground, on a free port (SEARCH_ENGINE_PORT=9200 to choose). It
# prints its URL on a line of its own: `ELASTICSEARCH_URL=<that URL> make run` in another terminal.
# Ctrl-C stops it and deletes its data.
search-engine: search-engine-artifacts
	@python3 scripts/search_engine.py $(if $(SEARCH_ENGINE_PORT),--port $(SEARCH_ENGINE_PORT))

# The suite on every core (pytest-xdist): each worker has its own test database and servers;
# whole files go to one worker, so a module's fixtures are built once. TEST_WORKERS=0 runs in
# this process (a debugger, -x on the first failure in order).
TEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test-sqlite:
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

test-postgres:
	$(PY) scripts/with_postgres.py -- $(PY) -m pytest -m "not browser" $(XDIST) $(PYTEST_ARGS)

# Gates before any test: lint and format, migrations that match the models, clean catalogues.
# (A new import cycle fails tests/test_architecture.py inside the suite.)
check: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/check_messages.py

test: test-setup
	$(MAKE) --no-print-directory check
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# Benchmarks print figures side by side with ratios; each takes minutes (see README "Benchmarks").
bench: test-setup
	$(PY) tests/bench/bench_search.py
	$(PY) tests/bench/bench_directory.py
	$(PY) tests/bench/bench_chat.py
	$(PY) tests/bench/bench_send_path.py
	$(PY) tests/bench/bench_community.py
	$(PY) tests/bench/bench_helpboard.py
	$(PY) tests/bench/bench_notifications.py
	$(PY) tests/bench/bench_soak.py --minutes 10

lint: check
