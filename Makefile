# Steward — the two commands: `make run` (the portal) and `make test` (the suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev lint bench lock clean

# What running needs (requirements.lock); the test tools come with `make test` only.
$(RUN_STAMP): requirements.lock
	@test -x $(PY) || { echo "Creating $(VENV)..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing what the portal needs (requirements.lock)..."
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.lock
	@echo "Installing the test tools (requirements-dev.lock)..."
	$(PY) -m pip install --quiet -r requirements-dev.lock
	touch $@

install: $(RUN_STAMP)
install-dev: $(DEV_STAMP)

## Run the portal on the embedded default (SQLite + filesystem broker): web, worker and beat.
## HOST and PORT choose the address (default 127.0.0.1:8000).
run: $(RUN_STAMP)
	@echo "Migrating the database..."
	$(PY) manage.py migrate --noinput
	@echo "Seeding the demo data (a minute on the first run)..."
	$(PY) manage.py seed_demo
	@PYTHON=$(PY) exec bin/run-portal

## Run the whole suite (PostgreSQL when DATABASE_URL points at one, else SQLite).
test: $(DEV_STAMP)
	@# the OpenID Connect provider the SSO browser test starts (node's oidc-provider), if npm is here
	@if command -v npm >/dev/null && [ ! -d tests/oidc/node_modules ]; then \
	  npm ci --prefix tests/oidc --no-audit --no-fund --silent || true; fi
	bin/run-tests

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run

## Benchmarks at scale (tests/bench): generate BENCH_SCALE (full | small) into its own
## PostgreSQL database (steward_bench on DATABASE_URL's server), print the table, write
## var/bench/results.json. Installs wrk from Debian when missing (else a Python load generator).
BENCH_SCALE ?= full
bench: $(DEV_STAMP)
	@command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; } || \
	  echo "wrk unavailable: figure 6 uses the Python load generator"
	BENCH_SCALE=$(BENCH_SCALE) $(PY) -m tests.bench.run

## Re-pin requirements.lock from pyproject's ranges (needs the registry).
lock:
	rm -rf /tmp/steward-lock && $(PYTHON) -m venv /tmp/steward-lock
	/tmp/steward-lock/bin/pip install --quiet .
	/tmp/steward-lock/bin/pip freeze --exclude steward > requirements.lock
	/tmp/steward-lock/bin/pip install --quiet ".[test]"
	(echo "-r requirements.lock"; /tmp/steward-lock/bin/pip freeze --exclude steward | grep -vxFf requirements.lock) > requirements-dev.lock

clean:
	rm -rf var staticfiles
