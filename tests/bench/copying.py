"""COPY plumbing for the generator: psycopg 3 `COPY ... FROM STDIN` per table, the next free
id and sequence resets around it, and history rows collected per model and copied at once."""

from __future__ import annotations

import functools
import json

from django.db import connection


def _raw_cursor():
    return connection.cursor().cursor  # the psycopg 3 cursor under Django's wrapper


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY `rows` (tuples in `columns` order) into `model`'s table; returns the count."""
    table = model._meta.db_table
    cols = ", ".join(f'"{c}"' for c in columns)
    n = 0
    with _raw_cursor().copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def copy_dicts(model, columns: list[str], rows) -> int:
    """COPY `rows` given as dicts keyed by column."""
    return copy_rows(model, columns, (tuple(v[c] for c in columns) for v in rows))


def next_id(model) -> int:
    with connection.cursor() as c:
        c.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')  # noqa: S608
        return c.fetchone()[0] + 1


def reset_sequence(model, pk: str = "id") -> None:
    table = model._meta.db_table
    with connection.cursor() as c:
        c.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608
            f'COALESCE((SELECT MAX("{pk}") FROM "{table}"), 1))',
            [f'"{table}"', pk],
        )


@functools.cache
def history_columns(model) -> list[str]:
    """The historical table's columns we write (history_id comes from its identity)."""
    return [
        f.attname for f in model.history.model._meta.concrete_fields if f.attname != "history_id"
    ]


class HistoryWriter:
    """Collects history rows per model as tuples in the historical table's column order."""

    def __init__(self):
        self.rows: dict[type, list[tuple]] = {}

    def add(self, model, values: dict, when, kind: str, user_id, reason: str) -> None:
        cols = history_columns(model)
        extra = {
            "history_date": when,
            "history_type": kind,
            "history_user_id": user_id,
            "history_change_reason": reason,
        }
        self.rows.setdefault(model, []).append(
            tuple(extra[c] if c in extra else values.get(c) for c in cols)
        )

    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())

    def flush(self) -> int:
        total = 0
        for model, rows in self.rows.items():
            total += copy_rows(model.history.model, history_columns(model), rows)
        self.rows = {}
        return total


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"))
