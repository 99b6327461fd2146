import django_filters

from core.filtersets import MultipleChoiceFilter, UtcIsoDateTimeFilter
from identities.choices import RiskTier

from .choices import GrantStatus, RequestKind, RequestStatus
from .models import Grant, Request


class RequestFilterSet(django_filters.FilterSet):
    # Own columns and forward foreign keys only: rows cannot repeat, so no DISTINCT.
    kind = MultipleChoiceFilter(choices=RequestKind.choices, distinct=False)
    status = MultipleChoiceFilter(choices=RequestStatus.choices, distinct=False)
    risk_tier = MultipleChoiceFilter(
        field_name="identity__risk_tier", choices=RiskTier.choices, distinct=False
    )
    identity = django_filters.NumberFilter(field_name="identity_id")
    team = django_filters.CharFilter(field_name="identity__team__slug")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "created"), ("expires_at", "expires"), ("status", "status"))
    )

    class Meta:
        model = Request
        fields: list[str] = []

    @property
    def qs(self):
        qs = super().qs
        return qs if self.data.get("ordering") else qs.order_by("-created_at", "-id")


class GrantFilterSet(django_filters.FilterSet):
    kind = MultipleChoiceFilter(choices=RequestKind.choices, distinct=False)
    status = MultipleChoiceFilter(choices=GrantStatus.choices, distinct=False)
    identity = django_filters.NumberFilter(field_name="identity_id")
    request = django_filters.NumberFilter(field_name="request_id")
    team = django_filters.CharFilter(field_name="identity__team__slug")
    expires_before = UtcIsoDateTimeFilter(field_name="expires_at", lookup_expr="lt")
    expires_after = UtcIsoDateTimeFilter(field_name="expires_at", lookup_expr="gte")
    review_open = django_filters.BooleanFilter(method="filter_review_open")

    class Meta:
        model = Grant
        fields: list[str] = []

    def filter_review_open(self, queryset, name, value):
        if value is None:
            return queryset
        open_review = {"review_due_at__isnull": False, "reviewed_at__isnull": True}
        return queryset.filter(**open_review) if value else queryset.exclude(**open_review)
