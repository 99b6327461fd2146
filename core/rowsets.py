"""Many rows sent as one JSON parameter and read back as a table in SQL: a row source for
set-based statements (`INSERT … SELECT … FROM (rows) JOIN …`). `json.dumps` serialises in C
and the server parses in C, where an array parameter per column costs a Python call per
value to dump. One parameter whatever the number of rows, on PostgreSQL
(`json_array_elements`) and SQLite (`json_each`) alike."""

import json
from collections.abc import Sequence

from django.db import connection

INTEGER, TEXT, DATE = "bigint", "text", "date"


def json_rows(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence]) -> tuple[str, list]:
    """(sql, params) of a SELECT yielding `rows` (sequences in `columns` order; values that
    JSON holds: numbers, strings, None — a date as its ISO text) as columns named `columns`'
    names, each of its type (`INTEGER`, `TEXT` or `DATE`)."""
    if connection.vendor == "postgresql":
        element, source = "e->>{}", "json_array_elements(%s::json) AS e"
        typed = (INTEGER, DATE)
    else:  # SQLite: a JSON text comes back as TEXT (a date as Django stores it), a number as is
        element, source = "json_extract(e.value, '$[{}]')", "json_each(%s) AS e"
        typed = (INTEGER,)
    picked = []
    for i, (name, kind) in enumerate(columns):
        value = element.format(i)
        if kind in typed:
            value = f"CAST({value} AS {kind})"
        picked.append(f"{value} AS {name}")
    return f"SELECT {', '.join(picked)} FROM {source}", [json.dumps(list(rows))]  # noqa: S608
