"""One FilterSet per list, shared by the registry pages, the CSV download and the API."""

import django_filters
from django import forms

from core.filtersets import (
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
    SearchFilter,
    UtcIsoDateTimeFilter,
)

from .choices import (
    CredentialKind,
    CredentialStatus,
    Environment,
    IdentityKind,
    IdentityStatus,
    RiskTier,
)
from .conditions import ends_within, overdue_credentials_exist
from .findings import open_findings_exist
from .models import Credential, Identity, Platform, Team


class IdentityFilterSet(django_filters.FilterSet):
    q = SearchFilter(fields=("name", "external_id", "purpose"))
    # Every filter is on the identity's own columns or a forward (single-valued) foreign key:
    # no row can repeat, so no DISTINCT (django-filter's default for multiple choices, which
    # makes PostgreSQL sort and count the whole scoped set).
    kind = MultipleChoiceFilter(choices=IdentityKind.choices, distinct=False)
    status = MultipleChoiceFilter(choices=IdentityStatus.choices, distinct=False)
    team = ModelMultipleChoiceFilter(
        field_name="team__slug",
        to_field_name="slug",
        queryset=Team.objects.all(),
        distinct=False,
        label="Team",
    )
    platform = ModelMultipleChoiceFilter(
        field_name="platform__slug",
        to_field_name="slug",
        queryset=Platform.objects.all(),
        distinct=False,
        label="Platform",
    )
    environment = MultipleChoiceFilter(choices=Environment.choices, distinct=False)
    risk_tier = MultipleChoiceFilter(choices=RiskTier.choices, distinct=False)
    ends_within = django_filters.NumberFilter(
        method="filter_ends_within", label="Ends within (days)", min_value=0, max_value=3650
    )
    credentials_overdue = django_filters.BooleanFilter(
        method="filter_credentials_overdue",
        label="Credentials overdue",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )
    open_findings = django_filters.BooleanFilter(
        method="filter_open_findings",
        label="Open findings",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("kind", "kind"),
            ("status", "status"),
            ("team__name", "team"),
            ("platform__name", "platform"),
            ("environment", "environment"),
            ("risk_tier", "risk_tier"),
            ("ends_on", "ends_on"),
            ("created_at", "created"),
        )
    )

    class Meta:
        model = Identity
        fields: list[str] = []

    def filter_ends_within(self, queryset, name, value):
        return queryset if value is None else queryset.filter(ends_within(int(value)))

    def filter_open_findings(self, queryset, name, value):
        if value is None:
            return queryset
        open_ = open_findings_exist()
        return queryset.filter(open_ if value else ~open_)

    def filter_credentials_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = overdue_credentials_exist()
        return queryset.filter(overdue if value else ~overdue)

    @property
    def qs(self):
        qs = super().qs
        # A stable order for paging when no ordering is asked for.
        return qs if self.data.get("ordering") else qs.order_by("name", "id")


class CredentialFilterSet(django_filters.FilterSet):
    identity = django_filters.NumberFilter(field_name="identity_id")
    kind = MultipleChoiceFilter(choices=CredentialKind.choices, distinct=False)
    status = MultipleChoiceFilter(choices=CredentialStatus.choices, distinct=False)
    expires_before = UtcIsoDateTimeFilter(field_name="expires_at", lookup_expr="lte")

    class Meta:
        model = Credential
        fields: list[str] = []
