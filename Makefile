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

bench: $(STAMP)
	$(PY) -m pytest tests/bench -m bench -p no:randomly -s

## Re-pin requirements.lock from pyproject's ranges (needs the registry).
lock:
	rm -rf /tmp/steward-lock && $(PYTHON) -m venv /tmp/steward-lock
	/tmp/steward-lock/bin/pip install --quiet .
	/tmp/steward-lock/bin/pip freeze --exclude steward > requirements.lock
	/tmp/steward-lock/bin/pip install --quiet ".[test]"
	(echo "-r requirements.lock"; /tmp/steward-lock/bin/pip freeze --exclude steward | grep -vxFf requirements.lock) > requirements-dev.lock

clean:
	rm -rf var staticfiles
