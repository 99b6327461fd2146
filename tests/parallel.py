"""Loaded before Django's settings (`-p tests.parallel` in pytest's addopts): under
pytest-xdist (`make test` runs the suite on several workers) each worker gets its own
STEWARD_VAR_DIR, var/xdist/<worker>, before config.settings reads it. What the suite and its
subprocesses (Celery workers, beat, gunicorn) generate there on first use — runtime and
evidence signing keys, the demo issuer key, media, the filesystem broker — is then never
shared between workers. pytest-django gives each worker its own test database already."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # set by xdist before a worker's config
    if worker:
        base = Path(os.environ.get("STEWARD_VAR_DIR") or ROOT / "var")
        os.environ["STEWARD_VAR_DIR"] = str(base / "xdist" / worker)
    return (yield)
