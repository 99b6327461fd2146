"""What every figure uses: targets, timing (median of runs), query counts, peak RSS,
rolled-back writes, the figure record and the bench personas signed in."""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

TARGETS = {
    "1": "≤ 1.5x raw SQL, ≤ 12 queries",
    "2": "≤ 2x raw SQL",
    "3": "≤ 2x raw SQL",
    "4": "≥ 0.5x COPY rows/s, peak RSS growth ≤ 100 MB",
    "5": "≤ 2.5x without history",
    "6": "≥ 0.1x the trivial view",
    "7": "≥ 0.3x the in-process JWT loop",
}
LIST_FILTERS = {"status": "active", "environment": "production", "q": "payments"}


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back():
    """Run writes for real, then undo them (on_commit callbacks never fire)."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def timed_together(*fns, repeat: int, warmup: int = 1) -> tuple[dict, ...]:
    """The median and runs of each of `fns` (a figure's subjects and its baseline), their runs
    interleaved so that drift hits all alike (the machine's speed varies by tens of per cent
    within minutes on a shared host), each run after a `vacuum` of what earlier runs left."""
    for _ in range(warmup):
        for f in fns:
            vacuum()
            f()
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for f, r in zip(fns, runs, strict=True):
            vacuum()
            t = time.perf_counter()
            f()
            r.append(time.perf_counter() - t)
    return tuple(
        {"median_s": statistics.median(r), "runs_s": [round(x, 5) for x in r]} for r in runs
    )


def vacuum() -> None:
    """VACUUM the database (PostgreSQL, outside a transaction), untimed before each run: a
    rolled-back run leaves dead entries at the end of the indexes it wrote, and the planner
    reads through them when it probes an index's extremes (`get_actual_variable_range`) —
    15 to 20 ms more to plan a statement after a few runs, instead of 2. Written rows commit in
    use, where no such entries pile up; each run starts from the data as generated."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as c:
            c.execute("VACUUM")


def raw(sql: str, params=None) -> int:
    """Run one statement on the raw psycopg cursor and fetch every row; returns the count."""
    with connection.cursor() as c:
        c.execute(sql, params)
        return len(c.fetchall())


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def peak_rss():
    """Sample the RSS every 5 ms; yields a dict that gets `growth_mb` on exit."""
    out = {"start": rss_bytes(), "peak": rss_bytes()}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            out["peak"] = max(out["peak"], rss_bytes())
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join()
        out["growth_mb"] = round((out["peak"] - out["start"]) / 2**20, 1)


def figure(key, name, value, baseline, unit, *, ratio=None, target=None, ok=None, **extra):
    return {
        "key": key,
        "name": name,
        "value": value,
        "baseline": baseline,
        "unit": unit,
        "ratio": None if ratio is None else round(ratio, 2),
        "target": target,
        "ok": ok,
        **extra,
    }


def time_figure(key: str, name: str, t: dict, base: dict, *, limit: float, ok=True, **extra):
    """A figure of two `timed_together` results: ok when Steward's median is at most `limit` times
    the baseline's (and `ok`, a figure's further condition, holds)."""
    ratio = t["median_s"] / base["median_s"]
    return figure(
        key, name, t["median_s"], base["median_s"], "s", ratio=ratio, target=TARGETS[key],
        ok=ratio <= limit and ok, **extra, runs=t["runs_s"], baseline_runs=base["runs_s"],
    )  # fmt: skip


def bench_users() -> dict:
    from ..generate import bench_user

    return {n: bench_user(n) for n in ("bench-admin", "bench-engineer", "bench-owner")}


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
