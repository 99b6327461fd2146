"""One FilterSet per list, shared by the usage pages and the API."""

import django_filters
from django import forms

from core.filtersets import ModelMultipleChoiceFilter, SearchFilter
from identities.models import Platform, Team

from .choices import Severity, SignalKind, SignalStatus
from .models import Signal, UsageRecord

DATE = forms.DateInput(attrs={"type": "date"})  # the browser's date picker


class UsageRecordFilterSet(django_filters.FilterSet):
    identity = django_filters.NumberFilter(field_name="identity_id")
    team = ModelMultipleChoiceFilter(
        field_name="identity__team__slug",
        to_field_name="slug",
        queryset=Team.objects.all(),
        label="Team",
    )
    platform = ModelMultipleChoiceFilter(
        field_name="identity__platform__slug",
        to_field_name="slug",
        queryset=Platform.objects.all(),
        label="Platform",
    )
    source = django_filters.CharFilter()
    day_from = django_filters.DateFilter(
        field_name="day", lookup_expr="gte", widget=DATE, label="From"
    )
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte", widget=DATE, label="To")
    unattributed = django_filters.BooleanFilter(field_name="identity", lookup_expr="isnull")
    ordering = django_filters.OrderingFilter(
        fields=(("day", "day"), ("cost", "cost"), ("calls", "calls"), ("tokens", "tokens"))
    )

    class Meta:
        model = UsageRecord
        fields: list[str] = []


class SignalFilterSet(django_filters.FilterSet):
    q = SearchFilter(fields=("summary", "identity__name", "external_ref"))
    kind = django_filters.MultipleChoiceFilter(choices=SignalKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=SignalStatus.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    identity = django_filters.NumberFilter(field_name="identity_id")
    team = ModelMultipleChoiceFilter(
        field_name="identity__team__slug",
        to_field_name="slug",
        queryset=Team.objects.all(),
        label="Team",
    )
    day_from = django_filters.DateFilter(
        field_name="day", lookup_expr="gte", widget=DATE, label="From"
    )
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte", widget=DATE, label="To")
    ordering = django_filters.OrderingFilter(
        fields=(("day", "day"), ("severity", "severity"), ("cost", "cost"), ("kind", "kind"))
    )

    class Meta:
        model = Signal
        fields: list[str] = []
