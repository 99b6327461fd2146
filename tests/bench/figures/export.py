"""Figure 4: the access evidence CSV of all rows, rows/s vs `COPY (...) TO STDOUT`, and
the peak RSS growth."""

from __future__ import annotations

import io

from django.db import connection, transaction

from .common import TARGETS, figure, peak_rss, timed_together


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
        base, t = timed_together(copy, export, repeat=repeat)
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
