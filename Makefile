# Steward — the two commands: `make run` (the portal) and `make test` (the suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test install lint bench lock clean

$(STAMP): requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

## Run the portal on the embedded default (SQLite + filesystem broker): web, worker and beat.
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	PYTHON=$(PY) bin/run-portal

## Run the whole suite (PostgreSQL when DATABASE_URL points at one, else SQLite).
test: $(STAMP)
	bin/run-tests

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run

## Benchmarks at scale (tests/bench): generate BENCH_SCALE (full | small) into its own
## PostgreSQL database (steward_bench on DATABASE_URL's server), print the table, write
## var/bench/results.json. Installs wrk from Debian when missing (else a Python load generator).
BENCH_SCALE ?= full
bench: $(STAMP)
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
