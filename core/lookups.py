"""`field__in_ids=<subquery>`: `IN (subquery)` that PostgreSQL plans as "compute the ids
first, then fetch those rows by primary key" (`= ANY(ARRAY(subquery))`, an init plan).

For a permitted-ids scope (a few thousand of 100,000 identities) the planner turns
`IN (subquery)` into a hash join over a sequential scan of the whole table, testing the
search on every row (0.1 to 0.2 s per list page at 100,000 identities); fetched by primary key
the same page takes a few milliseconds. Elsewhere (SQLite), and for a list of values, it is
the plain `IN`."""

from django.db.models import Field
from django.db.models.lookups import In


@Field.register_lookup
class InIds(In):
    lookup_name = "in_ids"

    def get_rhs_op(self, connection, rhs):
        if connection.vendor == "postgresql" and not self.rhs_is_direct_value():
            return f"= ANY(ARRAY{rhs})"
        return super().get_rhs_op(connection, rhs)
