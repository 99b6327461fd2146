"""Each figure beside its baseline, in the same run: median of `repeat` runs each.

Figures (keys 1-6 as in the README's Performance section):
  1. identity list page and list API (50 rows, filters) — time and queries vs hand-written SQL
  2. effective owners and the gap report for all identities vs one SQL statement each
  3. each sweep over the full data vs hand-written SQL making the same writes (reminders,
     state changes, history rows, timeline events)
  4. access evidence CSV of all rows: rows/s vs `COPY (...) TO STDOUT`; peak RSS growth
  5. import of 10,000 identities with history vs the same rows without history
  6. HTTP throughput (wrk, or a Python load generator without it) against gunicorn: identity
     list and approvals inbox vs a trivial signed-in view on the same server
  7. the token service under the same load: token exchange and introspection vs a loop doing
     the same JWT verification and signing in-process (runtime_bench.py)

Writes happen inside a transaction that is rolled back, so every run does the full work and
the data stays as generated."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from django.db import connection
from django.utils import timezone

from .figures.export import measure_export
from .figures.http_pages import measure_http
from .figures.imports import measure_import
from .figures.list_pages import measure_list
from .figures.ownership import measure_ownership
from .figures.sweeps import measure_sweeps
from .runtime_bench import measure_runtime


def measure_all(
    *,
    scale: str,
    repeat: int,
    database_url: str,
    only=None,
    generated=None,
    import_rows: int | None = None,
    http_seconds: int | None = None,
) -> dict:
    from identities.models import Credential, Identity

    small = scale == "small"
    import_rows = import_rows or (500 if small else 10_000)
    http_seconds = http_seconds or (1 if small else 2)
    steps = [
        ("1", lambda: measure_list(repeat)),
        ("2", lambda: measure_ownership(repeat)),
        ("3", lambda: measure_sweeps(repeat)),
        ("4", lambda: measure_export(repeat)),
        ("5", lambda: measure_import(repeat, import_rows)),
        ("6", lambda: measure_http(repeat, database_url, http_seconds)),
        ("7", lambda: measure_runtime(repeat, database_url, http_seconds)),
    ]
    figures = []
    for key, step in steps:
        if only and key not in only:
            continue
        started = time.perf_counter()
        print(f"Measuring {key} ...", flush=True)
        figures += step()
        print(f"  done in {time.perf_counter() - started:.1f}s", flush=True)
    with connection.cursor() as c:
        c.execute("SELECT pg_database_size(current_database())")
        db_size = c.fetchone()[0]
    return {
        "scale": scale,
        "repeat": repeat,
        "measured_at": timezone.now().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgres": connection.pg_version,
        },
        "data": {
            "identities": Identity.objects.count(),
            "credentials": Credential.objects.count(),
            "db_size_mb": round(db_size / 2**20),
            "generated": generated,
        },
        "figures": figures,
    }


def _fmt(value, unit) -> str:
    if unit == "s":
        return f"{value * 1000:,.1f} ms" if value < 10 else f"{value:,.1f} s"
    return f"{value:,} {unit}"


def print_table(results: dict) -> None:
    head = (
        f"{'#':<2} {'figure':<48} {'Steward':>14} {'baseline':>14} {'ratio':>7}  {'target':<44} ok"
    )
    print(f"\nSteward benchmarks — scale={results['scale']}, median of {results['repeat']}")
    print(head)
    print("-" * len(head))
    for f in results["figures"]:
        extra = f" [{f['queries']} q]" if f.get("queries") is not None and f["key"] == "1" else ""
        if f["key"] == "4":
            extra = f" [RSS +{f['peak_rss_growth_mb']} MB]"
        ok = "—" if f["ok"] is None else "yes" if f["ok"] else "NO"
        print(
            f"{f['key']:<2} {(f['name'] + extra)[:48]:<48} {_fmt(f['value'], f['unit']):>14} "
            f"{_fmt(f['baseline'], f['unit']):>14} {f['ratio']:>6}x  {f['target']:<44} {ok}"
        )


def write_json(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
