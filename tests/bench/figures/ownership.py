"""Figure 2: effective owners and the gap report for all identities vs one SQL statement
each."""

from __future__ import annotations

from .. import baselines as B
from .common import bench_users, raw, time_figure, timed_together


def measure_ownership(repeat: int) -> list[dict]:
    from governance.selectors import effective_raci, gap_identity_ids, ownership_gaps
    from identities.models import Identity

    admin = bench_users()["bench-admin"]
    out = []
    cases = [
        (
            "effective RACI, all identities",
            lambda: effective_raci(identity_ids=Identity.objects.values("id")),
            B.EFFECTIVE_RACI,
        ),
        ("gaps, all identities (gap_identity_ids)", gap_identity_ids, B.GAPS),
        (
            "gap report (ownership_gaps, admin)",
            # every gap read (a page reads one window); iter(): list() would ask its length,
            # an SQL count the whole report does not need
            lambda: list(iter(ownership_gaps(user=admin))),
            B.GAPS,
        ),
    ]
    for name, fn, sql in cases:
        base, t = timed_together(lambda sql=sql: raw(sql), fn, repeat=repeat)
        out.append(time_figure("2", name, t, base, limit=2))
    return out
