"""Figure 1: the identity list page and list API (50 rows, filters), time and queries,
vs hand-written SQL."""

from __future__ import annotations

from .. import baselines as B
from .common import (
    LIST_FILTERS,
    bench_users,
    queries,
    raw,
    signed_in_client,
    time_figure,
    timed_together,
)


def measure_list(repeat: int) -> list[dict]:
    engineer = bench_users()["bench-engineer"]
    client = signed_in_client(engineer)
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

    pages = {
        "identity list page": f"/identities/?{query}",
        "identity list API": f"/api/v1/identities/?{query}",
    }
    gets = [lambda url=url: _get(client, url) for url in pages.values()]
    counts = [queries(get) for get in gets]
    base, *times = timed_together(by_hand, *gets, repeat=repeat)
    return [
        time_figure(
            "1", name, t, base, limit=1.5, ok=n <= 12, queries=n, baseline_queries=len(sqls)
        )
        for name, t, n in zip(pages, times, counts, strict=True)
    ]


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response
