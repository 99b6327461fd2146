"""Filters every app's FilterSets share (pages, CSV downloads and the API alike)."""

import datetime as dt

import django_filters
from django.db.models import Q


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 allows offsets PostgreSQL refuses (beyond ±15:59): compare in UTC."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError:
                value = dt.datetime.min.replace(tzinfo=dt.UTC)
        return super().filter(qs, value)


class SearchFilter(django_filters.CharFilter):
    """Free text: rows where any of `fields` contains it (case-insensitive); blank: all."""

    def __init__(self, *, fields: tuple[str, ...], **kwargs):
        kwargs.setdefault("label", "Search")
        super().__init__(**kwargs)
        self.search_fields = fields

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return qs.filter(condition)
