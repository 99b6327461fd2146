"""An export's CSV: on PostgreSQL streamed by `COPY (query) TO STDOUT`, the cells formatted in
SQL (`sql_cells`); elsewhere (SQLite), and for exports without SQL cells, the Python rows
written by `formats.csv_lines`. Both give the same bytes (a test holds them to it)."""

from collections.abc import Iterator

from django.db import connection

from ..formats import csv_lines
from .common import Export

FLUSH = 64 * 1024  # bytes per chunk handed to the response


def export_csv(export: Export, filters: dict, user=None) -> Iterator[bytes]:
    if export.csv_cells is None or connection.vendor != "postgresql":
        for line in csv_lines(export.columns, export.rows(filters, user)):
            yield line.encode()
        return
    header = next(csv_lines(export.columns, []))
    yield header.encode()
    yield from copy_csv(export.csv_cells(filters))


def copy_csv(queryset) -> Iterator[bytes]:
    """The queryset's rows as CSV from COPY, memory flat (one chunk at a time).

    COPY ends a record with LF; Python's csv (and RFC 4180 §2.1) with CRLF. libpq hands COPY
    data over one whole row at a time, so the record's final LF is the row's last byte and
    LFs inside quoted cells stay as they are."""
    sql, params = queryset.query.sql_with_params()
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
