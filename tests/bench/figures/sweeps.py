"""Figure 3: each sweep over the full data vs hand-written SQL making the same writes
(reminders, state changes, history rows, timeline events)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from .. import baselines as B
from .common import queries, raw, rolled_back, time_figure, timed_together


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
        result = {}

        def run(sweep=sweep, result=result):
            with rolled_back():
                result["r"] = sweep(now=now)

        n = queries(run)
        base, t = timed_together(lambda s=statements: _write(s, params), run, repeat=repeat)
        r = result["r"]
        out.append(
            time_figure(
                "3", f"{name} sweep", t, base, limit=2, queries=n, due_rows=due,
                baseline_notifications=written, handled=r.handled,
                notifications=r.notifications, details=r.details,
            )
        )  # fmt: skip
    return out
