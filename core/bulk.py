"""Set-based writes at the SQL floor, for services that change many rows at once.

`update_returning` is one `UPDATE … RETURNING` (PostgreSQL: rows locked in pk order in the
same statement, optionally SKIP LOCKED, so two workers never change one row twice); the
rows come back as model instances, as stored after the update, ready for
`history.bulk_history_create` — which writes the history rows (and the ledger chains them),
so this is not the history-less `QuerySet.update()` STYLE forbids on its own.

`insert_ignore` is one `INSERT … SELECT … ON CONFLICT DO NOTHING` of many rows sent as
column arrays (PostgreSQL `unnest`, bound server-side; SQLite ≥ 3.35 takes the same conflict
and RETURNING clauses over a VALUES list); `insert_rows` the same without the conflict clause,
for append-only and history rows, which it announces to the evidence ledger with the rows
as stored (`RETURNING` every column, converted as a queryset's `values_list` converts them),
so the ledger hashes them without reading them back. Values are always parameters, never
spliced into the SQL."""

import datetime as dt
from collections.abc import Sequence

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models.expressions import RawSQL

from .signals import rows_inserted


def id_list(ids):
    """`ids` for an `__in` filter: on PostgreSQL one array parameter (`IN (SELECT unnest(…))`)
    instead of a placeholder per id — psycopg's client-side conversion of a query with
    thousands of placeholders costs more than running it."""
    ids = list(ids)
    if connection.vendor == "postgresql" and ids:  # none: `[]`, which Django never runs
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def update_returning(queryset, *, previous: str = "", skip_locked: bool = False, **values):
    """UPDATE the rows of `queryset` SET `values`; returns them as instances. With `previous`
    (a column name), each instance also carries that column's value before the update as
    `previous`."""
    model = queryset.model
    meta = model._meta
    table, pk = meta.db_table, meta.pk.column
    quote = connection.ops.quote_name
    assignments, params = [], []
    for name, value in values.items():
        field = meta.get_field(name)
        if field.is_relation and isinstance(value, models.Model):
            value = value.pk
        assignments.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    columns = [quote(f.column) for f in meta.concrete_fields]
    picked = queryset.order_by("pk").values_list("pk", *([previous] if previous else []))
    if connection.vendor == "postgresql":
        picked = picked.select_for_update(skip_locked=skip_locked, of=("self",))
    try:
        inner, inner_params = picked.query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[]: nothing to update
        return []
    old = ", prev.old AS previous" if previous else ""
    if connection.vendor == "postgresql":
        sql = (
            f"UPDATE {quote(table)} AS t SET {', '.join(assignments)} "  # noqa: S608
            f"FROM ({inner}) AS prev(id{', old' if previous else ''}) "
            f"WHERE t.{quote(pk)} = prev.id RETURNING {', '.join('t.' + c for c in columns)}{old}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *inner_params])
            rows = cursor.fetchall()
        return _instances(model, rows, previous=bool(previous))
    # SQLite: RETURNING may not name the FROM table; writers are serialised anyway.
    with connection.cursor() as cursor:
        cursor.execute(inner, inner_params)
        before = dict(row if previous else (row[0], None) for row in cursor.fetchall())
    if not before:
        return []
    marks = ", ".join(["%s"] * len(before))
    sql = (
        f"UPDATE {quote(table)} SET {', '.join(assignments)} "  # noqa: S608
        f"WHERE {quote(pk)} IN ({marks}) RETURNING {', '.join(columns)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *before])
        rows = sorted(_instances(model, cursor.fetchall()), key=lambda r: r.pk)
    for row in rows:
        row.previous = before[row.pk]
    return rows


def _instances(model, rows: list, *, previous: bool = False) -> list:
    """Raw rows of every concrete field (then the `previous` value) as instances, converted as
    a queryset converts them — what `Model.objects.raw` returns, at a third of its cost."""
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    width = len(fields)
    values = as_read(model, fields, [row[:width] for row in rows] if previous else rows)
    out = []
    for row, got in zip(rows, values, strict=True):
        instance = model.from_db(connection.alias, names, got)
        if previous:
            instance.previous = row[width]
        out.append(instance)
    return out


def insert_ignore(model, fields: Sequence[str], rows: Sequence[tuple]) -> int:
    """Insert `rows` (tuples in `fields` order) into `model`'s table, leaving rows that hit a
    unique constraint alone; returns how many were inserted. For tables the evidence ledger
    does not chain (it announces no rows)."""
    return len(_insert(model, fields, rows, conflict=" ON CONFLICT DO NOTHING"))


def insert_rows(model, fields: Sequence[str], rows: Sequence[tuple]) -> list:
    """Insert `rows` (tuples in `fields` order); returns their primary keys in `rows` order
    and announces them (`core.signals.rows_inserted`, with `stored`: each row as stored,
    {attname: value} of every concrete field), in the caller's transaction. A column whose
    values are all stored exactly as sent (`_exact`) is taken from `rows`; the others (the
    primary key, JSON, defaults...) come back from `RETURNING`."""
    meta = model._meta
    given = [meta.get_field(f) for f in fields]
    columns = list(zip(*rows, strict=True))
    exact = {f.attname: i for i, f in enumerate(given) if columns and _exact(f, columns[i])}
    returned = [f for f in meta.concrete_fields if f.attname not in exact]
    back = as_read(model, returned, _insert(model, fields, rows, conflict="", returning=returned))
    if not back:
        return []
    names, back_names = [f.attname for f in meta.concrete_fields], [f.attname for f in returned]
    stored = []
    for row, got in zip(rows, back, strict=True):
        values = dict(zip(back_names, got, strict=True))
        values |= {name: row[i] for name, i in exact.items()}
        stored.append({name: values[name] for name in names})
    pks = [values[meta.pk.attname] for values in stored]
    rows_inserted.send(sender=model, pks=pks, stored=stored)
    return pks


# Column types that store a value of this Python type exactly as sent (read back, it is equal
# and hashes the same): the ledger may hash such values as inserted.
_EXACT = dict.fromkeys(
    ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
     "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
     "PositiveSmallIntegerField"), int,
) | {"CharField": str, "TextField": str, "SlugField": str, "BooleanField": bool,
     "DateField": dt.date, "DateTimeField": dt.datetime}  # fmt: skip


def _exact(field, values) -> bool:
    """Every one of `values` is stored in `field`'s column and read back unchanged: None, or
    exactly the column's type (no subclass: an enum, a bool for an int), time stamps aware,
    JSON built of plain values (`_plain_json`)."""
    internal = (field.target_field if field.is_relation else field).get_internal_type()
    if internal == "JSONField":
        return all(_plain_json(v) for v in values)
    kind = _EXACT.get(internal)
    if kind is dt.datetime:
        return all(v is None or (type(v) is kind and v.utcoffset() is not None) for v in values)
    return kind is not None and all(v is None or type(v) is kind for v in values)


def _plain_json(value) -> bool:
    """A JSON value that reads back equal: dicts with text keys, lists, text, int, bool and
    None, exactly those types. Not a float (a large one reads back as an int), nor an enum."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain_json(v) for k, v in value.items())
    if kind is list:
        return all(_plain_json(v) for v in value)
    return value is None or kind in (str, int, bool)


def as_read(model, fields, rows: list) -> list:
    """Raw rows of `fields` (as a cursor returned them), converted as `values_list` converts
    them: what the ledger hashes for rows announced with their `stored` values."""
    compiler = model._base_manager.all().query.get_compiler(connection=connection)
    converters = compiler.get_converters([f.get_col(model._meta.db_table) for f in fields])
    return list(compiler.apply_converters(rows, converters)) if converters else rows


def _insert(
    model, fields: Sequence[str], rows: Sequence[tuple], *, conflict: str, returning=None
) -> list:
    """Rows of the `returning` fields' values (default: the primary key) of rows inserted."""
    if not rows:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    cols = [meta.get_field(f) for f in fields]
    names = ", ".join(quote(c.column) for c in cols)
    head = f"INSERT INTO {quote(meta.db_table)} ({names}) "
    returned = ", ".join(quote(f.column) for f in returning or [meta.pk])
    tail = f"{conflict} RETURNING {returned}"
    if connection.vendor == "postgresql":
        # Values go as they are (psycopg adapts them), but for JSON: the field's encoder.
        columns = [
            [c.get_db_prep_save(v, connection) for v in col]
            if c.get_internal_type() == "JSONField"
            else list(col)
            for c, col in zip(cols, zip(*rows, strict=True), strict=True)
        ]
        select, params = _unnest(cols, columns)
        connection.ensure_connection()
        # A server-binding cursor sends the column arrays in binary (%b), not quoted into
        # the SQL text in Python as Django's client-side cursor does; still logged by Django.
        raw = psycopg.Cursor(connection.connection)
        with connection._prepare_cursor(raw) as cursor:
            cursor.execute(f"{head}{select}{tail}", params)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        rows = [
            [c.get_db_prep_save(v, connection) for c, v in zip(cols, row, strict=True)]
            for row in rows
        ]
        out = []
        width = len(cols)
        per = max(1, 900 // width)  # SQLite's bound-parameter limit
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            marks = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            sql = f"{head}VALUES {marks}{tail}"
            cursor.execute(sql, [v for row in chunk for v in row])
            out += cursor.fetchall()
        return out


# Types whose equal values are the same value to store (not Decimal("1.0") and Decimal("1.00")).
_PLAIN = (int, str, bool, type(None), dt.date, dt.datetime)


def _unnest(cols, columns: list[list]) -> tuple[str, list]:
    """`SELECT … FROM unnest(…)` of the column arrays, in row order (WITH ORDINALITY + ORDER
    BY: ids are drawn and returned in that order). A column holding one value in every row
    (a kind, a time stamp, an actor) is sent once, as a scalar, not as an array of copies."""
    same = [len(col) > 1 and type(col[0]) in _PLAIN
            and all(type(v) is type(col[0]) and v == col[0] for v in col)
            for col in columns]  # fmt: skip
    same[0] = same[0] and not all(same)  # unnest needs one array
    picks, scalars, arrays, unnest, aliases = [], [], [], [], []
    for i, (c, col, one) in enumerate(zip(cols, columns, same, strict=True)):
        kind = c.db_type(connection)
        if one:
            picks.append(f"%b::{kind}")
            scalars.append(col[0])
        else:
            picks.append(f"c{i}")
            aliases.append(f"c{i}")
            unnest.append(f"%b::{kind}[]")
            arrays.append(col)
    sql = (
        f"SELECT {', '.join(picks)} FROM unnest({', '.join(unnest)}) WITH ORDINALITY "  # noqa: S608
        f"AS u({', '.join(aliases)}, n) ORDER BY n"
    )
    return sql, [*scalars, *arrays]
