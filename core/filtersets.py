"""Filters every app's FilterSets share (pages, CSV downloads and the API alike)."""

import datetime as dt

import django_filters
import django_filters.fields
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 allows offsets PostgreSQL refuses (beyond ±15:59): compare in UTC."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError:
                value = dt.datetime.min.replace(tzinfo=dt.UTC)
        return super().filter(qs, value)


class _ListedChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """A model choice field's options from one plain SELECT, cached on the field's queryset
    for the rest of the request. Django's iterator() opens a server-side cursor for them
    (DECLARE … WITH HOLD on PostgreSQL: extra round trips and a held snapshot for a few dozen
    rows) and runs it again each time the choices are read."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset:
            yield self.choice(obj)


class _FlatSelectMultiple(forms.SelectMultiple):
    """A multi-select of flat choices, its options written here: Django renders a template
    per option (with two includes) after building a context per option, which for a list's
    200 teams costs more than its query. The same elements and attributes as Django's."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                ("" if v is None else v, " selected" if str(v) in chosen else "", label)
                for v, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "multiple": True})
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


class _ListedModelMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    iterator = _ListedChoiceIterator
    widget = _FlatSelectMultiple


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    """django-filter's, its options written without a template each (see above)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", _FlatSelectMultiple)
        super().__init__(*args, **kwargs)


class ModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """django-filter's filter, its options read with one plain query (see above)."""

    field_class = _ListedModelMultipleChoiceField


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
