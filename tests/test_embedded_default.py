"""The embedded default a new user's `make run` starts on: `migrate` and `seed_demo` on SQLite
with the filesystem broker, in a subprocess with its own var directory. The suite itself runs
on PostgreSQL, so this is what keeps the first run's path (SQLite branches of set-based SQL
included) working."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVERS = {"DATABASE_URL", "CELERY_BROKER_URL", "STEWARD_VAR_DIR", "DJANGO_SETTINGS_MODULE"}


def test_first_run_migrates_and_seeds_the_demo_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SERVERS}
    env["STEWARD_VAR_DIR"] = str(tmp_path)
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert result.returncode == 0, f"{command}: {result.stderr[-4000:]}"
    assert "Seeding demo data: Usage" in result.stdout  # the last step was reached
    assert (tmp_path / "steward.sqlite3").stat().st_size > 0
