"""The benchmark command: create the bench database, generate the data, measure every figure
beside its baseline, print the table and write JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench \\
        python -m tests.bench.run --scale full

The bench database (BENCH_DATABASE_URL, else `steward_bench` on DATABASE_URL's server) is
dropped and created; its name must contain "bench" unless --force. `--reuse` keeps a
database generated at the same scale before and only measures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/steward_bench"
ROOT = Path(__file__).resolve().parents[2]


def bench_url() -> str:
    """BENCH_DATABASE_URL; else DATABASE_URL's PostgreSQL server with its own database,
    steward_bench (a DATABASE_URL already naming a *bench* database is used as is)."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return DEFAULT_URL
    head, _, name = url.partition("?")[0].rpartition("/")
    return url if "bench" in name else f"{head}/steward_bench"


def _recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    head, _, name = url.rpartition("/")
    name = name.split("?")[0]
    with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _generated_scale() -> str | None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT to_regclass('bench_meta')")
        if c.fetchone()[0] is None:
            return None
        c.execute("SELECT scale FROM bench_meta")
        row = c.fetchone()
        return row[0] if row else None


def _mark_generated(scale: str) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_meta (scale text)")
        c.execute("DELETE FROM bench_meta")
        c.execute("INSERT INTO bench_meta VALUES (%s)", [scale])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "full"))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "5")))
    parser.add_argument("--reuse", action="store_true", help="measure an existing bench database")
    parser.add_argument("--force", action="store_true", help="allow a database not named *bench*")
    parser.add_argument("--only", default="", help="comma-separated figure keys (1-7)")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "results.json"))
    args = parser.parse_args(argv)

    url = bench_url()
    if not url.startswith("postgres"):
        print("The bench needs PostgreSQL: set DATABASE_URL=postgres://.../steward_bench")
        return 2
    if "bench" not in url.rpartition("/")[2] and not args.force:
        print(f"Refusing to drop {url}: name the database *bench* or pass --force")
        return 2
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    sys.path.insert(0, str(ROOT))

    started = time.perf_counter()
    if not args.reuse:
        _recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    from .generate import generate
    from .measure import measure_all, print_table, write_json

    generated = None
    if not args.reuse or _generated_scale() != args.scale:
        if args.reuse:
            _recreate_database(url)
            from django.db import connection

            connection.close()
        print(f"Migrating {url.rpartition('/')[2]} ...")
        call_command("migrate", verbosity=0)
        print(f"Generating scale={args.scale} ...")
        generated = generate(args.scale)
        _mark_generated(args.scale)
    else:
        _vacuum()
    only = {k.strip() for k in args.only.split(",") if k.strip()} or None
    results = measure_all(
        scale=args.scale, repeat=args.repeat, database_url=url, only=only, generated=generated
    )
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    print_table(results)
    write_json(results, Path(args.out))
    print(f"\nWrote {args.out} (total {results['total_seconds']}s)")
    return 0


def _vacuum() -> None:
    """A reused database holds the dead rows of earlier runs' rolled-back writes (sweeps,
    imports): reclaimed first, so that each run measures the data as generated."""
    from django.db import connection

    print("Vacuuming the reused database ...")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    sys.exit(main())
