"""Paging for lists that reach 100,000 rows. Counting every row of a large scoped list costs
more than the page itself, so no list counts past a bound:

- pages (`BoundedCountPaginator`, the identity list): exact up to 1,000 rows; past that the
  page says "1,000+" and the pager offers previous and next (one more page while rows are
  left) without a last page. A deep page counts up to its own end, as its OFFSET reads
  that far anyway.
- the API (`EstimatedCountPagination`): exact up to 10,000 rows, PostgreSQL's planner
  estimate beyond, flagged `count_is_estimate` (the API's contract, kept).
CSV exports stream every row and count nothing."""

import contextlib
import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from .api.pagination import StewardPagination

EXACT_UP_TO = 10_000  # the API
COUNT_UP_TO = 1_000  # pages


def planner_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows the queryset returns (EXPLAIN, nothing executed);
    None elsewhere."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def _queryset(object_list) -> QuerySet | None:
    """The queryset under `object_list` (a django-tables2 table pages its BoundRows, which
    wrap it), or None for a list."""
    qs = getattr(getattr(object_list, "data", None), "data", object_list)
    return qs if isinstance(qs, QuerySet) else None


def count_up_to(qs: QuerySet, limit: int) -> int:
    """`COUNT(*)` over at most `limit` + 1 rows: exact up to `limit`, `limit` + 1 past it."""
    return qs.order_by()[: limit + 1].count()


class BoundedCountPaginator(Paginator):
    """`count` is exact up to `count_up_to` rows (or the end of the page asked for, when
    further); past it `count_is_bounded` is set, `count` is the bound + 1 (so the page before
    the bound has a next one) and `shown_count` the bound, which the page says as "1,000+"."""

    count_up_to = COUNT_UP_TO
    count_is_bounded = False
    _asked = 1

    def validate_number(self, number):
        with contextlib.suppress(TypeError, ValueError):  # the base class says why not
            self._asked = max(int(number), 1)
        return super().validate_number(number)

    @cached_property
    def count(self) -> int:
        qs = _queryset(self.object_list)
        if qs is None:
            return super().count
        self.shown_count = max(self.count_up_to, self._asked * self.per_page)
        counted = count_up_to(qs, self.shown_count)
        self.count_is_bounded = counted > self.shown_count
        return counted


class EstimatedCountPaginator(Paginator):
    """`count` is exact up to `exact_up_to` rows (one `COUNT` over at most that many + 1);
    beyond, the planner's estimate (never below what was counted) and `count_is_estimate`
    is set. On databases without an estimate, the exact count."""

    exact_up_to = EXACT_UP_TO
    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        qs = _queryset(self.object_list)
        if qs is None:
            return super().count
        counted = count_up_to(qs, self.exact_up_to)
        if counted <= self.exact_up_to:
            return counted
        estimate = planner_rows(qs)
        if estimate is None:
            return qs.count()
        self.count_is_estimate = True
        return max(estimate, counted)


class EstimatedCountPagination(StewardPagination):
    """The API's pager with `EstimatedCountPaginator`; `count_is_estimate` says which."""

    django_paginator_class = EstimatedCountPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_is_estimate"] = self.page.paginator.count_is_estimate
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": f"`count` is PostgreSQL's estimate (past {EXACT_UP_TO:,} rows).",
        }
        return schema
