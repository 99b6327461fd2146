"""What every evidence export shares: its shape, the period and identity filters, and one
ISO form for timestamps."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Q

from ..formats import Spread, table
from ..forms import period

CHUNK = 2000


@dataclass(frozen=True)
class Export:
    key: str
    title: str
    columns: list[str]
    rows: Callable  # (filters, user) -> Iterator[dict]
    # (filters) -> a queryset whose values() are the CSV cells in column order, formatted in
    # SQL as the Python path formats them; streamed by COPY on PostgreSQL (`csv_copy`). The
    # spread column's value is a JSON array of its items' cells, which `csv_copy` expands.
    csv_cells: Callable | None = None
    spread: Spread | None = None  # a list column shown as column groups in CSV and XLSX

    def table(self, filters: dict, user=None) -> tuple[list[str], Iterator[list]]:
        """Header and cell rows for CSV and XLSX."""
        return table(self.columns, self.rows(filters, user), self.spread, filters)


def period_q(filters: dict, field: str) -> Q:
    start, end = period(filters)
    q = Q()
    if start:
        q &= Q(**{f"{field}__gte": start})
    if end:
        q &= Q(**{f"{field}__lte": end})
    return q


def identity_scope_q(filters: dict) -> Q:
    """The export filters that narrow rows by their identity: team, platform, identity."""
    q = Q()
    if filters.get("team"):
        q &= Q(identity__team__slug=filters["team"])
    if filters.get("platform"):
        q &= Q(identity__platform__slug=filters["platform"])
    if filters.get("identity"):
        q &= Q(identity_id=filters["identity"])
    return q


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
