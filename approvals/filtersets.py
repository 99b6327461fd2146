import django_filters

from identities.choices import RiskTier

from .choices import RequestKind, RequestStatus
from .models import Request


class RequestFilterSet(django_filters.FilterSet):
    # Own columns and forward foreign keys only: rows cannot repeat, so no DISTINCT.
    kind = django_filters.MultipleChoiceFilter(choices=RequestKind.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices, distinct=False)
    risk_tier = django_filters.MultipleChoiceFilter(
        field_name="identity__risk_tier", choices=RiskTier.choices, distinct=False
    )
    identity = django_filters.NumberFilter(field_name="identity_id")
    team = django_filters.CharFilter(field_name="identity__team__slug")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
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
