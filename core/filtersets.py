"""Filters every app's FilterSets share (pages, CSV downloads and the API alike)."""

import datetime as dt

import django_filters


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 allows offsets PostgreSQL refuses (beyond ±15:59): compare in UTC."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError:
                value = dt.datetime.min.replace(tzinfo=dt.UTC)
        return super().filter(qs, value)
