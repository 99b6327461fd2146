"""Figure 6: HTTP throughput against gunicorn: the identity list and the approvals inbox
vs a trivial signed-in view on the same server."""

from __future__ import annotations

import os
import statistics

from .common import LIST_FILTERS, TARGETS, bench_users, figure, signed_in_client
from .load import gunicorn, load_tool, warm_up


def _session_cookie(user) -> str:
    return signed_in_client(user).cookies["sessionid"].value


def measure_http(repeat: int, database_url: str, seconds: int) -> list[dict]:
    users = bench_users()
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
            for url in (f"{base_url}/panels/status/", base_url + path):
                warm_up(url, workers, cookie=cookie)
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
                    ok=rps / base >= 0.1 and not bad,
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
