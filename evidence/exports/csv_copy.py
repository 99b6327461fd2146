"""An export's CSV: on PostgreSQL streamed by `COPY (query) TO STDOUT`, the cells formatted in
SQL (`sql_cells`); elsewhere (SQLite), and for exports without SQL cells, the Python rows
written by `formats.csv_lines`. Both give the same bytes (a test holds them to it)."""

from collections.abc import Iterator

from django.db import connection

from ..formats import csv_lines, table
from .common import Export
from .sql_cells import guarded

FLUSH = 64 * 1024  # bytes per chunk handed to the response


def export_csv(export: Export, filters: dict, user=None) -> Iterator[bytes]:
    if export.csv_cells is None or connection.vendor != "postgresql":
        for line in csv_lines(*export.table(filters, user)):
            yield line.encode()
        return
    header, _ = table(export.columns, [], export.spread, filters)  # counts the groups
    yield next(csv_lines(header, [])).encode()
    sql, params = export.csv_cells(filters).query.sql_with_params()
    spread = export.spread
    if spread is not None and spread.column in export.columns:
        groups = (len(header) - len(export.columns) + 1) // len(spread.fields)
        at = export.columns.index(spread.column)
        sql, params = _spread(sql, params, len(export.columns), at, groups, len(spread.fields))
    yield from copy_csv(sql, params)


def _spread(sql: str, params, width: int, at: int, groups: int, fields: int):
    """The query with its spread column (a JSON array per row of each item's cells) replaced
    by `groups` x `fields` guarded cells, as `formats.Spread.cells` lays them out: missing
    items give empty cells, items beyond `groups` are dropped. Only integers from code enter
    the SQL text. PostgreSQL keeps the inner ORDER BY through this plain projection."""
    outer, outer_params = [], []
    for i in range(width):
        if i != at:
            outer.append(f't."csv_{i:02d}"')
            continue
        for g in range(groups):
            for f in range(fields):
                cell, p = guarded(f'(t."csv_{i:02d}" -> {g:d}) ->> {f:d}', ())
                outer.append(cell)
                outer_params += p
    select = f"SELECT {', '.join(outer)} FROM ({sql}) AS t"  # noqa: S608 (code text only)
    return select, (*outer_params, *params)


def copy_csv(sql: str, params) -> Iterator[bytes]:
    """The query's rows as CSV from COPY, memory flat (one chunk at a time).

    COPY ends a record with LF; Python's csv (and RFC 4180 §2.1) with CRLF. libpq hands COPY
    data over one whole row at a time, so the record's final LF is the row's last byte and
    LFs inside quoted cells stay as they are."""
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for row in copy:
            buffer += row[:-1]
            buffer += b"\r\n"
            if len(buffer) >= FLUSH:
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        yield bytes(buffer)
