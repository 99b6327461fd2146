"""Concurrent writers against the evidence ledger: how many sweep-like transactions per second
N processes commit on PostgreSQL, each on its own identities (no shared business rows).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_ledger_bench \\
        .venv/bin/python -m tests.bench.ledger_writers --writers 1,4,8 --work-ms 0,10

Each transaction is one sweep batch: lock 20 identities, change them with
`bulk_update_with_history` (20 history rows), append 20 timeline events with
`LifecycleEvent.objects.bulk_create`, then `--work-ms` of other work inside the transaction
(`pg_sleep`, standing in for the rest of a batch: notifications, revocation jobs, a commit
that waits for the disk). Whatever the ledger does to a writer's transaction is in the time.
After the run the chainer runs and `verify()` must pass, so nothing measured skipped the
ledger. The database (name must contain "bench") is dropped and created.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

BATCH = 20
IDENTITIES_PER_WRITER = 100


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _prepare(url: str, writers: int) -> None:
    from tests.bench.run import _recreate_database

    if "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("the bench database's name must contain 'bench'")
    _recreate_database(url)
    _setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from core.history import history_actor
    from tests.factories import IdentityFactory, PlatformFactory, TeamFactory, UserFactory

    admin = UserFactory(username="bench-admin")
    with history_actor(admin):
        team = TeamFactory()
        platform = PlatformFactory(owning_team=team)
        for _ in range(writers * IDENTITIES_PER_WRITER):
            IdentityFactory(team=team, platform=platform)


def _writer(url: str, slot: int, seconds: float, work_ms: int, start_at: float, out) -> None:
    _setup(url)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from simple_history.utils import bulk_update_with_history

    from identities.models import Identity, LifecycleEvent

    actor = get_user_model().objects.get(username="bench-admin")
    ids = list(
        Identity.objects.order_by("pk").values_list("pk", flat=True)[
            slot * IDENTITIES_PER_WRITER : (slot + 1) * IDENTITIES_PER_WRITER
        ]
    )
    done, n = 0, 0
    while time.time() < start_at:
        time.sleep(0.005)
    stop = time.time() + seconds
    while time.time() < stop:
        batch = ids[(n * BATCH) % len(ids) :][:BATCH]
        n += 1
        with transaction.atomic():
            rows = list(Identity.objects.select_for_update().filter(pk__in=batch))
            for row in rows:
                row.purpose = f"Bench pass {n}."
                row._change_reason = "bench sweep"
            bulk_update_with_history(rows, Identity, ["purpose"], default_user=actor)
            LifecycleEvent.objects.bulk_create(
                [
                    LifecycleEvent(identity=row, kind="reviewed", actor=actor, summary="bench")
                    for row in rows
                ]
            )
            if work_ms:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_sleep(%s)", [work_ms / 1000])
        done += 1
    out.put(done)


def measure(url: str, writers: int, seconds: float, work_ms: int) -> float:
    """Committed transactions per second of `writers` processes."""
    from django.db import connections

    connections.close_all()  # children open their own
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 1.0
    procs = [
        ctx.Process(target=_writer, args=(url, slot, seconds, work_ms, start_at, out))
        for slot in range(writers)
    ]
    for p in procs:
        p.start()
    total = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def _verify() -> str:
    from evidence import ledger

    started = time.perf_counter()
    chained = ledger.chain() if hasattr(ledger, "chain") else 0  # the pending entries' chainer
    took = time.perf_counter() - started
    report = ledger.verify(live_rows=True)
    if not report.ok:
        raise SystemExit(f"ledger does not verify: {report.first_break}")
    rate = f", {chained / took:,.0f} entries/s" if chained else ""
    return f"verify ok: {report.entries:,} entries ({chained:,} chained after the run{rate})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="1,4,8", help="comma-separated process counts")
    parser.add_argument("--work-ms", default="0,10", help="other work per transaction (ms)")
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ledger_bench")
    counts = [int(x) for x in args.writers.split(",")]
    works = [int(x) for x in args.work_ms.split(",")]
    _prepare(url, max(counts))
    print(f"{'writers':>7} {'work ms':>7} {'tx/s':>8} {'history rows/s':>15}")
    for work_ms in works:
        for writers in counts:
            rate = measure(url, writers, args.seconds, work_ms)
            print(f"{writers:>7} {work_ms:>7} {rate:>8.1f} {rate * BATCH * 2:>15.0f}", flush=True)
    print(_verify())
    return 0


if __name__ == "__main__":
    sys.exit(main())
