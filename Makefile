# trustkit: two commands on a fresh Linux or macOS machine.
#   make lab   - create .venv, install everything, start JupyterLab on your own copy of the
#                course (~/trustkit-course); options go in ARGS: make lab ARGS="--no-browser --port 8899"
#   make test  - create .venv if needed, install the test tools (and Debian's chromium where it
#                can), then ruff check, ruff format --check and the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
CHROMIUM ?= /usr/bin/chromium
# nbgrader runs `alembic` (and the lab runs `jupyter`) by name: the venv's bin must be on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: lab test lint unit release bench chromium postgres hub-deps clean venv help

help:
	@echo "make lab      start JupyterLab on your own copy of the course (installs into .venv first;"
	@echo "              options as for trustkit lab: make lab ARGS=\"--no-browser --port 8899\")"
	@echo "make test     ruff + the whole test suite, browser and nbgrader loop included"
	@echo "make release  regenerate exercises/ from solutions/ and register them in the gradebook"
	@echo "make bench    run the benchmarks (they print ratios measured in one run)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "trustkit needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-lab: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-lab

venv: $(VENV)/.installed-lab

# ARGS are trustkit lab's options, e.g. make lab ARGS="--no-browser --port 8899" or ARGS=--instructor
lab: $(VENV)/.installed-lab
	$(VENV)/bin/trustkit lab $(ARGS)

# Debian's chromium for the browser tests (playwright cannot download browsers here).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then \
	  echo "chromium: $(CHROMIUM)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "chromium could not be installed: the browser tests will say so"; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "chromium could not be installed: the browser tests will say so"; \
	else \
	  echo "chromium not found and cannot be installed here: the browser tests will be skipped (set CHROMIUM=/path/to/chromium)"; \
	fi

# Debian's postgresql for the PostgreSQL gradebook test (started by the test on loopback).
postgres:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  echo "postgresql: $$(ls -d /usr/lib/postgresql/*/bin | tail -1)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's postgresql for the gradebook test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	    || echo "postgresql could not be installed: the PostgreSQL test will say so"; \
	else \
	  echo "postgresql not found and cannot be installed here: the PostgreSQL test will be skipped"; \
	fi

# configurable-http-proxy (npm) for the JupyterHub test, into .hub-deps/ (git-ignored); Node and
# npm from Debian when missing. Debian 12's Node 18 gets proxy 4.6 (5.x needs Node 20).
HUB_DEPS := .hub-deps
hub-deps:
	@if [ -x "$(HUB_DEPS)/node_modules/.bin/configurable-http-proxy" ]; then \
	  echo "configurable-http-proxy: $(HUB_DEPS)/node_modules/.bin/configurable-http-proxy"; \
	else \
	  if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's nodejs and npm for the hub test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) \
	      || echo "nodejs could not be installed: the hub test will say so"; \
	  fi; \
	  if command -v npm >/dev/null 2>&1; then \
	    if [ "$$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then chp=5; else chp=4.6; fi; \
	    echo "installing configurable-http-proxy@$$chp from npm into $(HUB_DEPS)/"; \
	    npm install --prefix "$(HUB_DEPS)" --no-audit --no-fund --loglevel=error "configurable-http-proxy@$$chp" >/dev/null \
	      || echo "configurable-http-proxy could not be installed: the hub test will say so"; \
	  else \
	    echo "npm not found and cannot be installed here: the hub test will be skipped"; \
	  fi; \
	fi

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

unit: $(VENV)/.installed-test
	$(PY) -m pytest -m "not browser and not nbgrader"

# The hub test drives its own browser sessions: it runs in a pytest process of its own, after the
# rest (playwright's sync API refuses to start where an earlier test left an event loop running).
test: $(VENV)/.installed-test chromium postgres hub-deps lint
	$(PY) -m pytest --ignore=tests/test_hub.py
	$(PY) -m pytest tests/test_hub.py

# exercises/ from solutions/, the assignments recorded in the course gradebook (gradebook.db,
# or TRUSTKIT_DB_URL), and (in a trustkit checkout) every committed scenario version archived,
# so transcripts made with it still replay after the scenario changes.
release: $(VENV)/.installed-lab
	@if [ -d trustkit/data/scenarios ]; then $(PY) -m trustkit.versions; fi
	$(PY) -m trustkit.grading.release

bench: $(VENV)/.installed-test
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts build *.egg-info
