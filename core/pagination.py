"""Paging for lists that reach 100,000 rows: an exact count while it is cheap, PostgreSQL's
planner estimate past a threshold (counting every row of a large scoped list costs more than
the page itself). Pages and the API share it."""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from .api.pagination import StewardPagination

EXACT_UP_TO = 10_000


def planner_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows the queryset returns (EXPLAIN, nothing executed);
    None elsewhere."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """`count` is exact up to `exact_up_to` rows (one `COUNT` over at most that many + 1);
    beyond, the planner's estimate (never below what was counted) and `count_is_estimate`
    is set, so a page says "about". On databases without an estimate, the exact count."""

    exact_up_to = EXACT_UP_TO
    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        # a django-tables2 table pages its BoundRows: count the queryset they wrap
        qs = getattr(getattr(qs, "data", None), "data", qs)
        if not isinstance(qs, QuerySet):
            return super().count
        counted = qs.order_by()[: self.exact_up_to + 1].count()
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
