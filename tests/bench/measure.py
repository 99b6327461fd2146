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

import contextlib
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from . import baselines as B
from .runtime_bench import measure_runtime

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {
    "1": "≤ 1.5x raw SQL, ≤ 12 queries",
    "2": "≤ 2x raw SQL",
    "3": "≤ 2x raw SQL",
    "4": "≥ 0.5x COPY rows/s, peak RSS growth ≤ 100 MB",
    "5": "≤ 2.5x without history",
    "6": "≥ 0.5x the trivial view",
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


def timed(fn, repeat: int, *, warmup: int = 1) -> dict:
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return {"median_s": statistics.median(runs), "runs_s": [round(r, 5) for r in runs]}


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


def _users():
    from .generate import bench_user

    return {n: bench_user(n) for n in ("bench-admin", "bench-engineer", "bench-owner")}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- 1 ------------------------------------------------------------------------------------
def measure_list(repeat: int) -> list[dict]:
    engineer = _users()["bench-engineer"]
    client = _client(engineer)
    query = "&".join(f"{k}={v}" for k, v in LIST_FILTERS.items())
    sqls = B.identity_page_sql(
        user_id=engineer.pk,
        status=LIST_FILTERS["status"],
        environment=LIST_FILTERS["environment"],
        q=LIST_FILTERS["q"],
    )

    def by_hand():
        for sql, params in sqls:
            raw(sql, params)

    base = timed(by_hand, repeat)
    out = []
    for name, url in (
        ("identity list page", f"/identities/?{query}"),
        ("identity list API", f"/api/v1/identities/?{query}"),
    ):

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        n = queries(get)
        t = timed(get, repeat)
        ratio = t["median_s"] / base["median_s"]
        out.append(
            figure(
                "1",
                name,
                t["median_s"],
                base["median_s"],
                "s",
                ratio=ratio,
                target=TARGETS["1"],
                ok=ratio <= 1.5 and n <= 12,
                queries=n,
                baseline_queries=len(sqls),
                runs=t["runs_s"],
                baseline_runs=base["runs_s"],
            )
        )
    return out


# --- 2 ------------------------------------------------------------------------------------
def measure_ownership(repeat: int) -> list[dict]:
    from governance.selectors import effective_raci, gap_identity_ids, ownership_gaps
    from identities.models import Identity

    admin = _users()["bench-admin"]
    out = []
    cases = [
        (
            "effective RACI, all identities",
            lambda: effective_raci(identity_ids=Identity.objects.values("id")),
            B.EFFECTIVE_RACI,
        ),
        ("gaps, all identities (gap_identity_ids)", gap_identity_ids, B.GAPS),
        ("gap report (ownership_gaps, admin)", lambda: ownership_gaps(user=admin), B.GAPS),
    ]
    for name, fn, sql in cases:
        base = timed(lambda sql=sql: raw(sql), repeat)
        t = timed(fn, repeat)
        ratio = t["median_s"] / base["median_s"]
        out.append(
            figure(
                "2",
                name,
                t["median_s"],
                base["median_s"],
                "s",
                ratio=ratio,
                target=TARGETS["2"],
                ok=ratio <= 2,
                runs=t["runs_s"],
                baseline_runs=base["runs_s"],
            )
        )
    return out


# --- 3 ------------------------------------------------------------------------------------
def _sweep_params(now) -> dict:
    from django.conf import settings

    from core.system import system_user

    return {
        "now": now,
        "today": now.date(),
        "unused_before": now - dt.timedelta(days=settings.LIFECYCLE_UNUSED_DAYS),
        "unused_days": settings.LIFECYCLE_UNUSED_DAYS,
        "suspend_before": now.date() - dt.timedelta(days=settings.LIFECYCLE_END_GRACE_DAYS),
        "actor": system_user().pk,
    }


def _write(statements: list[str], params: dict) -> int:
    """The baseline's writes, rolled back; returns the rows they wrote (statement counts)."""
    written = 0
    with rolled_back(), connection.cursor() as c:
        for sql in statements:
            c.execute(sql, params)
            written += c.rowcount
    return written


def measure_sweeps(repeat: int) -> list[dict]:
    from lifecycle.sweeps import SWEEPS

    now = timezone.now()
    params = _sweep_params(now)
    out = []
    # Each sweep beside hand-written SQL making the same writes (access reviews: none yet).
    for name, statements in B.sweep_writes().items():
        sweep = SWEEPS[name]
        due = raw(B.SWEEP_DUE[name], params)
        written = _write(statements, params)
        base = timed(lambda statements=statements: _write(statements, params), repeat)
        result = {}

        def run(sweep=sweep, result=result):
            with rolled_back():
                result["r"] = sweep(now=now)

        n = queries(run)
        t = timed(run, repeat, warmup=0)
        ratio = t["median_s"] / base["median_s"]
        r = result["r"]
        out.append(
            figure(
                "3", f"{name} sweep", t["median_s"], base["median_s"], "s", ratio=ratio,
                target=TARGETS["3"], ok=ratio <= 2, queries=n, due_rows=due,
                baseline_notifications=written, handled=r.handled,
                notifications=r.notifications, details=r.details, runs=t["runs_s"],
                baseline_runs=base["runs_s"],
            )
        )  # fmt: skip
    return out


# --- 4 ------------------------------------------------------------------------------------
def _access_sql() -> str:
    from evidence.exports.access import (
        ACCESS_VALUES,
        access_queryset,
        approvers_subquery,
        credentials_subquery,
    )

    qs = (
        access_queryset({})
        .values(**ACCESS_VALUES)
        .annotate(approvers=approvers_subquery(), credentials=credentials_subquery())
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as c:
        return c.cursor.mogrify(sql, params)


def measure_export(repeat: int) -> list[dict]:
    from evidence.exports import EXPORTS, export_csv

    copy_sql = f"COPY ({_access_sql()}) TO STDOUT WITH (FORMAT csv, HEADER)"
    state = {}

    def export():
        rows, size = -1, 0  # the header is no row
        for chunk in export_csv(EXPORTS["access"], {}):
            rows += chunk.count(b"\r\n")  # approx.: line breaks in cells
            size += len(chunk)
        state["rows"], state["bytes"] = rows, size

    def copy():
        size, buf = 0, io.BytesIO()
        with connection.cursor() as c, c.cursor.copy(copy_sql) as cp:
            for block in cp:
                size += len(block)
                buf.write(block)
        state["copy_rows"] = buf.getvalue().count(b"\n") - 1  # approx.: newlines in cells
        state["copy_bytes"] = size

    with transaction.atomic():  # a server-side cursor needs a transaction to stream
        with peak_rss() as mem:
            export()
        with peak_rss() as copy_mem:
            copy()
        base = timed(copy, repeat)
        t = timed(export, repeat)
    rows = state["rows"]
    rate, base_rate = rows / t["median_s"], rows / base["median_s"]
    ratio = rate / base_rate
    return [
        figure(
            "4",
            "access evidence CSV, all rows",
            round(rate),
            round(base_rate),
            "rows/s",
            ratio=ratio,
            target=TARGETS["4"],
            ok=ratio >= 0.5 and mem["growth_mb"] <= 100,
            rows=rows,
            bytes=state["bytes"],
            copy_bytes=state["copy_bytes"],
            peak_rss_growth_mb=mem["growth_mb"],
            copy_peak_rss_growth_mb=copy_mem["growth_mb"],
            seconds=t["median_s"],
            baseline_seconds=base["median_s"],
            runs=t["runs_s"],
            baseline_runs=base["runs_s"],
        )
    ]


# --- 5 ------------------------------------------------------------------------------------
def import_csv(n: int, *, team_slug: str, platform_slug: str) -> str:
    import csv

    from identities.importers.steward import COLUMNS

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    for k in range(n):
        name = f"imported-{k:06d}"
        w.writerow(
            [
                name,
                "workload",
                f"bench-import://{name}",
                platform_slug,
                team_slug,
                "production",
                "Imported by the benchmark",
                "medium",
                "read;write",
                "",
            ]
        )
    return buf.getvalue()


def measure_import(repeat: int, n: int) -> list[dict]:
    from simple_history.utils import bulk_create_with_history

    from identities.importers.apply import apply_import
    from identities.importers.services import import_preview
    from identities.models import Identity, ImportFormat, Platform, Team

    admin = _users()["bench-admin"]
    team = Team.objects.order_by("id").first()
    platform_obj, _ = Platform.objects.get_or_create(
        slug="bench-import", defaults={"name": "Bench import", "kind": "other"}
    )
    content = import_csv(n, team_slug=team.slug, platform_slug=platform_obj.slug)

    def with_history():
        with rolled_back():
            plan = import_preview(actor=admin, format=ImportFormat.STEWARD_CSV, content=content)
            written = apply_import(actor=admin, plan=plan, reference="bench")
            assert written["create"] == n, written

    def objs():
        return [
            Identity(
                name=f"imported-{k:06d}",
                kind="workload",
                external_id=f"bench-import://imported-{k:06d}",
                platform=platform_obj,
                team=team,
                environment="production",
                purpose="Imported by the benchmark",
                risk_tier="medium",
                entitlements=["read", "write"],
                status="active",
                created_by=admin,
            )
            for k in range(n)
        ]

    def without_history():
        with rolled_back():
            Identity.objects.bulk_create(objs(), batch_size=1000)

    def bulk_with_history():
        with rolled_back():
            bulk_create_with_history(objs(), Identity, batch_size=1000, default_user=admin)

    nq = queries(with_history)
    base = timed(without_history, repeat)
    bulk = timed(bulk_with_history, repeat)
    t = timed(with_history, repeat, warmup=0)
    ratio = t["median_s"] / base["median_s"]
    bulk_ratio = bulk["median_s"] / base["median_s"]
    return [
        figure(
            "5",
            f"import {n:,} identities (apply path, with history)",
            t["median_s"],
            base["median_s"],
            "s",
            ratio=ratio,
            target=TARGETS["5"],
            ok=ratio <= 2.5,
            queries=nq,
            runs=t["runs_s"],
            baseline_runs=base["runs_s"],
            baseline_name="bulk_create, no history",
        ),
        figure(
            "5",
            f"bulk_create_with_history {n:,} identities",
            bulk["median_s"],
            base["median_s"],
            "s",
            ratio=bulk_ratio,
            target=TARGETS["5"],
            ok=bulk_ratio <= 2.5,
            runs=bulk["runs_s"],
            baseline_runs=base["runs_s"],
            baseline_name="bulk_create, no history",
        ),
    ]


# --- 6 ------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int, env: dict | None = None):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _session_cookie(user) -> str:
    return _client(user).cookies["sessionid"].value


def _wrk_script(bodies: list[str], headers: dict) -> str:
    """A wrk Lua script POSTing `bodies` in turn (form-encoded) with `headers`."""
    quoted = ", ".join(json.dumps(b) for b in bodies)
    hdrs = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    table = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in hdrs.items())
    return (
        f"local bodies = {{{quoted}}}\nlocal headers = {{{table}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #bodies + 1\n"
        '  return wrk.format("POST", nil, headers, bodies[i])\nend\n'
    )


def _wrk(url: str, cookie, seconds: int, connections: int, bodies=None, headers=None) -> dict:
    import tempfile

    cmd = [shutil.which("wrk"), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: sessionid={cookie}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if bodies:
            script.write(_wrk_script(bodies, headers or {}))
            script.flush()
            cmd += ["-s", script.name]
        out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    p50 = re.search(r"50%\s+([\d.]+\w+)", text)
    return {
        "rps": rps,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "p50": p50.group(1) if p50 else None,
    }


def _pyload(url: str, cookie, seconds: float, connections: int, bodies=None, headers=None) -> dict:
    """A small threaded HTTP load generator, for machines without wrk (CI's small run): GETs
    with the session cookie, or POSTs of `bodies` in turn (form-encoded) with `headers`."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.perf_counter() + seconds
    counts = {"ok": 0, "bad": 0}
    lock = threading.Lock()

    sent = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    if bodies:
        sent.update({"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def one(conn, n) -> bool:
        if bodies:
            conn.request("POST", path, body=bodies[n % len(bodies)], headers=sent)
        else:
            conn.request("GET", path, headers=sent)
        response = conn.getresponse()
        response.read()
        return response.status < 400

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        n = 0
        while time.perf_counter() < deadline:
            try:
                ok = one(conn, n)
            except OSError:  # a timeout or a dropped connection counts, and the load goes on
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            n += 1
            with lock:
                counts["ok" if ok else "bad"] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = counts["ok"] + counts["bad"]
    return {"rps": total / (time.perf_counter() - started), "non_2xx": counts["bad"], "p50": None}


def load_tool():
    """wrk when installed, else the Python load generator: (name, function)."""
    return ("wrk", _wrk) if shutil.which("wrk") else ("python", _pyload)


def measure_http(repeat: int, database_url: str, seconds: int) -> list[dict]:
    users = _users()
    tool, load = load_tool()
    workers = max(2, os.cpu_count() or 2)
    query = "&".join(f"{k}={v}" for k, v in LIST_FILTERS.items())
    pages = [
        ("identity list", f"/identities/?{query}", users["bench-engineer"]),
        (
            "identity list, no search",
            "/identities/?status=active&environment=production",
            users["bench-engineer"],
        ),
        ("approvals inbox", "/approvals/", users["bench-owner"]),
    ]
    out = []
    with gunicorn(database_url, workers) as base_url:
        for name, path, user in pages:
            cookie = _session_cookie(user)
            trivial, page = [], []
            for url, _runs in ((f"{base_url}/panels/status/", trivial), (base_url + path, page)):
                load(url, cookie, 1, 2)  # warm up
            for _ in range(repeat):  # interleaved, so drift hits both alike
                trivial.append(load(f"{base_url}/panels/status/", cookie, seconds, 4))
                page.append(load(base_url + path, cookie, seconds, 4))
            rps = statistics.median(r["rps"] for r in page)
            base = statistics.median(r["rps"] for r in trivial)
            bad = sum(r["non_2xx"] for r in page + trivial)
            out.append(
                figure(
                    "6",
                    f"HTTP {name} ({user.username})",
                    round(rps, 1),
                    round(base, 1),
                    "req/s",
                    ratio=rps / base,
                    target=TARGETS["6"],
                    ok=rps / base >= 0.5 and not bad,
                    tool=tool,
                    workers=workers,
                    connections=4,
                    seconds=seconds,
                    non_2xx=bad,
                    baseline_name="/panels/status/ (same user, same server)",
                    runs=[round(r["rps"], 1) for r in page],
                    baseline_runs=[round(r["rps"], 1) for r in trivial],
                )
            )
    return out


# --- all ------------------------------------------------------------------------------------
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
        ok = "yes" if f["ok"] else "NO"
        print(
            f"{f['key']:<2} {(f['name'] + extra)[:48]:<48} {_fmt(f['value'], f['unit']):>14} "
            f"{_fmt(f['baseline'], f['unit']):>14} {f['ratio']:>6}x  {f['target']:<44} {ok}"
        )


def write_json(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
