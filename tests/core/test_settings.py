"""Production settings refuse to start without what they need, naming it in one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "STEWARD_ENV": "production",
    "SECRET_KEY": "x" * 20 + "y" * 20 + "z1234567890abcdef",
    "ALLOWED_HOSTS": "steward.example.com",
    "DATABASE_URL": "postgres://steward@127.0.0.1:5432/steward",
}


def run_check(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
    dropped = {*GOOD, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_required_variable(missing):
    env = {k: v for k, v in GOOD.items() if k != missing}
    result = run_check(env)
    assert result.returncode != 0
    assert (
        result.stderr.strip()
        == f"Steward production settings: set the {missing} environment variable."
    )


def test_production_refuses_sqlite():
    result = run_check({**GOOD, "DATABASE_URL": "sqlite:///tmp/x.sqlite3"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_bad_boolean_fails_loudly():
    result = run_check({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_check_deploy_is_clean_in_production():
    result = run_check(GOOD, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
