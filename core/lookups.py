"""`field__in_ids=<subquery>`: `IN (subquery)` that PostgreSQL plans as "compute the ids
first, then fetch those rows by primary key" (`= ANY(ARRAY(subquery))`, an init plan).

For a permitted-ids scope (a few thousand of 100,000 identities) the planner turns
`IN (subquery)` into a hash join over a sequential scan of the whole table, testing the
search on every row (0.1 to 0.2 s per list page at 100,000 identities); fetched by primary key
the same page takes a few milliseconds. Elsewhere (SQLite), and for a list of values, it is
the plain `IN`."""

from django.db import connection
from django.db.models import Field
from django.db.models.lookups import In, Lookup


@Field.register_lookup
class InIds(In):
    lookup_name = "in_ids"

    def get_rhs_op(self, connection, rhs):
        if connection.vendor == "postgresql" and not self.rhs_is_direct_value():
            return f"= ANY(ARRAY{rhs})"
        return super().get_rhs_op(connection, rhs)


@Field.register_lookup
class AnyOf(Lookup):
    """`field__any_of=<values>`: on PostgreSQL `= ANY(<one array parameter>)`, which the server
    matches by hashing the array whatever plan it takes. `id_list`'s `IN (SELECT unnest(…))`
    may be planned as a nested loop over the array for each row: on a table whose statistics
    say it is near empty but that holds thousands of rows written since (a sweep resolving the
    reminders it just wrote), ~0.1 s for a batch instead of ~1 ms. Elsewhere, the plain `IN`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, list(self.rhs)).as_sql(compiler, connection)
        lhs, params = self.process_lhs(compiler, connection)
        kind = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY(%s::{kind}[])", [*params, list(self.rhs)]


def one_of(column: str, values: list) -> tuple[str, list]:
    """(sql, params) of "`column` is one of `values`" for hand-written SQL, as `any_of` writes
    it: one array parameter on PostgreSQL, a placeholder per value elsewhere (SQLite bounds
    their number: chunk long lists)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
