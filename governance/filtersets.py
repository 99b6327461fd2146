"""FilterSets shared by the ownership pages and the API."""

import django_filters

from core.filtersets import SearchFilter
from identities.models import Identity, Platform, Team

from .choices import Role, Scope
from .models import Assignment, ControlDomain


class GapFilterSet(django_filters.FilterSet):
    """Filters the identities whose gaps are reported; `domain` narrows the domains resolved
    (read by the selector from the cleaned data)."""

    domain = django_filters.ModelChoiceFilter(
        queryset=ControlDomain.objects.all(), to_field_name="key", method="keep", label="Domain"
    )
    team = django_filters.ModelChoiceFilter(
        field_name="team", queryset=Team.objects.all(), to_field_name="slug", label="Team"
    )
    platform = django_filters.ModelChoiceFilter(
        field_name="platform",
        queryset=Platform.objects.all(),
        to_field_name="slug",
        label="Platform",
    )
    q = SearchFilter(fields=("name", "external_id"))

    class Meta:
        model = Identity
        fields: list[str] = []

    def keep(self, queryset, name, value):
        return queryset


class AssignmentFilterSet(django_filters.FilterSet):
    domain = django_filters.CharFilter(field_name="domain__key")
    scope_kind = django_filters.ChoiceFilter(choices=Scope.choices)
    role = django_filters.ChoiceFilter(choices=Role.choices)
    platform = django_filters.CharFilter(field_name="platform__slug")
    team = django_filters.CharFilter(field_name="team__slug")
    identity = django_filters.NumberFilter(field_name="identity_id")
    assignee_user = django_filters.NumberFilter(field_name="assignee_user_id")
    assignee_team = django_filters.CharFilter(field_name="assignee_team__slug")

    class Meta:
        model = Assignment
        fields: list[str] = []

    @property
    def qs(self):
        return super().qs.order_by("domain__position", "scope_kind", "role", "id")
