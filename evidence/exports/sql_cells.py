"""CSV cells computed by PostgreSQL exactly as the Python path writes them (`iso`, `flat`,
`core.csv_export.csv_cell`), so `COPY (query) TO STDOUT` can stream an export byte for byte.

Every expression takes its inputs as compiled SQL and params; the only SQL text here is code
constants (no user input reaches it)."""

from django.db.models import F, Func, TextField, Value

from core.csv_export import FORMULA_START

# `csv_cell`'s formula starts as one regex bracket ('-' first: a literal, not a range).
_FORMULA_CLASS = "[-" + "".join(c for c in FORMULA_START if c != "-") + "]"


class IsoTime(Func):
    """A timestamptz as `datetime.astimezone(UTC).isoformat()` writes it: microseconds only
    when they are not zero, offset `+00:00`. NULL stays NULL."""

    output_field = TextField()
    template = (
        "(regexp_replace(to_char(%(expressions)s AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '\\.000000$', '') || '+00:00')"
    )


class Cell(Func):
    """The final cell text: NULL for None and '' (COPY would quote an empty string, Python's
    csv writes nothing), a leading quote before a formula start as in `csv_cell`."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return guarded(sql, params)


def guarded(sql: str, params) -> tuple[str, tuple]:
    """`Cell` of an SQL text (`csv_copy` guards the cells it expands with it)."""
    return (
        f"regexp_replace(NULLIF(({sql})::text, ''), %s, %s)",
        (*params, f"^({_FORMULA_CLASS})", "'\\1"),
    )


class Pairs(Func):
    """`formats._item`: "k=v; k=v" of the values that are neither NULL nor '', in `keys`
    order."""

    output_field = TextField()

    def __init__(self, keys: tuple, values: dict):
        self.keys = keys
        super().__init__(*(_expr(values[k]) for k in keys))

    def as_sql(self, compiler, connection, **extra):
        parts, params = [], []
        for key, expression in zip(self.keys, self.source_expressions, strict=True):
            sql, p = compiler.compile(expression)
            parts.append(f"(%s || NULLIF(({sql})::text, ''))")
            params += [f"{key}=", *p]
        return f"concat_ws('; ', {', '.join(parts)})", tuple(params)


class JsonTextList(Func):
    """A JSON array of strings joined as `formats.flat` joins a list: " | "."""

    output_field = TextField()
    template = (
        "(SELECT string_agg(x.value, ' | ' ORDER BY x.n) "
        "FROM jsonb_array_elements_text(%(expressions)s) WITH ORDINALITY AS x(value, n))"
    )


class JsonSpaceList(JsonTextList):
    """A JSON array of strings joined by spaces (token scopes)."""

    template = JsonTextList.template.replace("' | '", "' '")


class WholeDays(Func):
    """`timedelta.days` of (end - start): whole days, floored."""

    output_field = TextField()
    template = "floor(extract(epoch FROM (%(expressions)s)) / 86400)::bigint"
    arg_joiner = " - "


def _expr(value):
    if hasattr(value, "resolve_expression"):  # F, Func, Subquery, Case...
        return value
    if isinstance(value, str):
        return F(value)
    return Value(value)


def cells(columns: list[str], expressions: dict, raw: str | None = None) -> dict:
    """values(**cells(...)): one guarded cell per column, in column order; column `raw` (a
    spread's JSON array, guarded item by item in `csv_copy`) as it is."""
    return {
        f"csv_{i:02d}": _expr(expressions[c]) if c == raw else Cell(_expr(expressions[c]))
        for i, c in enumerate(columns)
    }
